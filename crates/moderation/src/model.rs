//! The classifiers: logistic regression over [`Features`], trained by AdaGrad with L2
//! regularisation, deterministic (examples shuffled with a fixed seed), each class weighed by
//! its rarity so that 0.5 sits between them whatever the training set's proportions.
//!
//! File format (little-endian): magic `JDMOD001`, `u32` bucket bits, `u32` measure count,
//! `f32` bias, the measures' weights (`f32` each), `f32` scale, then 2^bits `i16` weights
//! (weight = i16 × scale), then a `u64` FNV-1a checksum of everything before it.

use std::fmt;

use crate::features::{BITS, DENSE, Features};

const MAGIC: &[u8; 8] = b"JDMOD001";

/// What is wrong with a model file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelError(pub String);

impl fmt::Display for ModelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl std::error::Error for ModelError {}

/// A trained classifier.
#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    pub bias: f32,
    pub dense: [f32; DENSE],
    /// 2^BITS weights, or none (a model of the measures alone).
    pub grams: Vec<f32>,
}

fn sigmoid(z: f32) -> f32 {
    1.0 / (1.0 + (-z).exp())
}

impl Model {
    /// The weighted sum for `features`.
    pub fn logit(&self, features: &Features) -> f32 {
        let mut z = self.bias;
        for (w, x) in self.dense.iter().zip(&features.dense) {
            z += w * x;
        }
        if !self.grams.is_empty() && !features.grams.is_empty() {
            let norm = 1.0 / (features.grams.len() as f32).sqrt();
            for g in &features.grams {
                z += self.grams[*g as usize] * norm;
            }
        }
        z
    }

    /// The probability of the positive class (spam, insult) for `features`.
    pub fn probability(&self, features: &Features) -> f32 {
        sigmoid(self.logit(features))
    }

    /// The model as a file's bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(64 + self.grams.len() * 2);
        out.extend_from_slice(MAGIC);
        let bits = if self.grams.is_empty() { 0 } else { BITS };
        out.extend_from_slice(&bits.to_le_bytes());
        out.extend_from_slice(&(DENSE as u32).to_le_bytes());
        out.extend_from_slice(&self.bias.to_le_bytes());
        for w in &self.dense {
            out.extend_from_slice(&w.to_le_bytes());
        }
        let max = self.grams.iter().fold(0.0_f32, |m, w| m.max(w.abs()));
        let scale = if max > 0.0 {
            max / f32::from(i16::MAX)
        } else {
            1.0
        };
        out.extend_from_slice(&scale.to_le_bytes());
        for w in &self.grams {
            let q = (w / scale)
                .round()
                .clamp(f32::from(i16::MIN), f32::from(i16::MAX)) as i16;
            out.extend_from_slice(&q.to_le_bytes());
        }
        let sum = checksum(&out);
        out.extend_from_slice(&sum.to_le_bytes());
        out
    }

    /// Reads a model written by [`Model::to_bytes`]; says what is wrong otherwise.
    pub fn from_bytes(bytes: &[u8]) -> Result<Model, ModelError> {
        let err = |what: &str| Err(ModelError(what.to_owned()));
        if bytes.len() < 8 + 8 + 4 + 4 * DENSE + 4 + 8 || &bytes[..8] != MAGIC {
            return err("not a Jardinier moderation model (its first bytes are not JDMOD001)");
        }
        let (body, tail) = bytes.split_at(bytes.len() - 8);
        if checksum(body).to_le_bytes() != tail {
            return err("the file is damaged (its checksum does not match)");
        }
        let mut at = 8;
        let u32_at = |at: &mut usize| {
            let v = u32::from_le_bytes(body[*at..*at + 4].try_into().expect("4 bytes"));
            *at += 4;
            v
        };
        let bits = u32_at(&mut at);
        let dense_count = u32_at(&mut at) as usize;
        if dense_count != DENSE || (bits != 0 && bits != BITS) {
            return err("the file was made by another version of Jardinier");
        }
        let f32_at = |at: &mut usize| {
            let v = f32::from_le_bytes(body[*at..*at + 4].try_into().expect("4 bytes"));
            *at += 4;
            v
        };
        let bias = f32_at(&mut at);
        let mut dense = [0.0; DENSE];
        for w in &mut dense {
            *w = f32_at(&mut at);
        }
        let scale = f32_at(&mut at);
        let count = if bits == 0 { 0 } else { 1_usize << bits };
        if body.len() != at + count * 2 {
            return err("the file is cut short or too long");
        }
        let grams = body[at..]
            .chunks_exact(2)
            .map(|c| f32::from(i16::from_le_bytes([c[0], c[1]])) * scale)
            .collect();
        Ok(Model { bias, dense, grams })
    }
}

fn checksum(bytes: &[u8]) -> u64 {
    let mut h = 0xcbf2_9ce4_8422_2325_u64;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// How to train.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// Whether the model has word weights, or the measures alone.
    pub with_grams: bool,
    pub epochs: usize,
    pub learning_rate: f32,
    /// L2 penalty per example.
    pub l2: f32,
    pub seed: u64,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            with_grams: true,
            epochs: 10,
            learning_rate: 0.3,
            l2: 1e-5,
            seed: 0x6d6f_6465,
        }
    }
}

/// Trains a model on (features, is positive) examples.
pub fn train(examples: &[(Features, bool)], options: Options) -> Model {
    let mut model = Model {
        bias: 0.0,
        dense: [0.0; DENSE],
        grams: if options.with_grams {
            vec![0.0; 1 << BITS]
        } else {
            Vec::new()
        },
    };
    let positives = examples.iter().filter(|(_, y)| *y).count().max(1) as f32;
    let negatives = (examples.len() as f32 - positives).max(1.0);
    let total = examples.len() as f32;
    let weight_of = |y: bool| {
        if y {
            total / (2.0 * positives)
        } else {
            total / (2.0 * negatives)
        }
    };
    let mut g_bias = 1e-8_f32;
    let mut g_dense = [1e-8_f32; DENSE];
    let mut g_grams = vec![1e-8_f32; model.grams.len()];
    let mut order: Vec<usize> = (0..examples.len()).collect();
    let mut state = options.seed | 1;
    let lr = options.learning_rate;
    for _ in 0..options.epochs {
        // Fisher–Yates with xorshift: the same order on every machine.
        for i in (1..order.len()).rev() {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            order.swap(i, (state % (i as u64 + 1)) as usize);
        }
        for &i in &order {
            let (x, y) = &examples[i];
            let p = model.probability(x);
            let error = (p - if *y { 1.0 } else { 0.0 }) * weight_of(*y);
            g_bias += error * error;
            model.bias -= lr * error / g_bias.sqrt();
            for ((w, g), x) in model.dense.iter_mut().zip(&mut g_dense).zip(&x.dense) {
                let grad = error * x + options.l2 * *w;
                *g += grad * grad;
                *w -= lr * grad / g.sqrt();
            }
            if options.with_grams && !x.grams.is_empty() {
                let norm = 1.0 / (x.grams.len() as f32).sqrt();
                for g in &x.grams {
                    let g = *g as usize;
                    let grad = error * norm + options.l2 * model.grams[g];
                    g_grams[g] += grad * grad;
                    model.grams[g] -= lr * grad / g_grams[g].sqrt();
                }
            }
        }
    }
    model
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::extract;
    use crate::lexicon::Lang;

    #[test]
    fn a_model_learns_and_survives_its_file() {
        let texts = [
            ("WIN a FREE prize now, click bit.ly/xyz", true),
            ("Claim your cash reward today!!! call 0800 123 456", true),
            ("URGENT you have won $1000, reply now", true),
            ("See you at the shop tomorrow morning", false),
            ("The new roast is lovely, thanks for the tip", false),
            ("Is the workshop still on Saturday?", false),
        ];
        let examples: Vec<(Features, bool)> = texts
            .iter()
            .map(|(t, y)| (extract(t, &[Lang::En]), *y))
            .collect();
        let model = train(&examples, Options::default());
        for (x, y) in &examples {
            assert_eq!(model.probability(x) > 0.5, *y);
        }
        let read = Model::from_bytes(&model.to_bytes()).expect("readable");
        for (x, _) in &examples {
            assert!((read.probability(x) - model.probability(x)).abs() < 0.01);
        }
        let mut damaged = model.to_bytes();
        damaged[40] ^= 1;
        assert!(
            Model::from_bytes(&damaged)
                .unwrap_err()
                .0
                .contains("damaged")
        );
        assert!(Model::from_bytes(b"hello").is_err());
    }
}
