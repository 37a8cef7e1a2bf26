//! The learned sentiment model: logistic regression over the features of `features.rs`,
//! trained on real labelled text (see `training.rs` and `examples/train_sentiment.rs`), stored
//! in `data/sentiment_model.bin` and compiled into the binary.
//!
//! The file is checked once, when first used or by [`crate::check_model`] at start-up: a wrong
//! magic, size or checksum is an error that names the file, never a silent neutral score.
//!
//! Format (little-endian): magic `JDSENT01`, `u32` document-feature count, `u32` bucket bits,
//! `u64` FNV-1a checksum of everything after it, then four heads (English polarity, other
//! polarity, English subjectivity, other subjectivity). A head is `f32` bias, the
//! document weights (`f32` each), `f32` neutral band, `u8` whether word weights follow, and if
//! so `f32` scale and 2^bits `i16` weights (weight = i16 × scale).
//! The `en` head has word weights; the `other` head (French and unknown languages) has only
//! document weights, which mean the same in every language.

use std::fmt;
use std::sync::LazyLock;

use crate::features::{BUCKET_BITS, Features, META};

pub(crate) const MAGIC: &[u8; 8] = b"JDSENT01";
const MODEL_BYTES: &[u8] = include_bytes!("../data/sentiment_model.bin");
pub(crate) const MODEL_FILE: &str = "crates/analysis/data/sentiment_model.bin";

/// What is wrong with a model file.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelError(pub String);

impl fmt::Display for ModelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the sentiment model ({MODEL_FILE}) cannot be used: {}. Rebuild Jardinier from an \
             intact source tree",
            self.0
        )
    }
}

impl std::error::Error for ModelError {}

/// One logistic-regression head.
#[derive(Debug, Clone, PartialEq)]
pub struct Head {
    pub bias: f32,
    pub meta: [f32; META],
    /// Subjectivity heads: texts whose probability of carrying an opinion is below this are
    /// neutral. Unused (0) in polarity heads.
    pub threshold: f32,
    /// Word weights, 2^BUCKET_BITS of them, or empty.
    pub grams: Vec<f32>,
}

impl Head {
    /// An untrained head: everything zero.
    pub fn zero(with_grams: bool) -> Head {
        Head {
            bias: 0.0,
            meta: [0.0; META],
            threshold: 0.0,
            grams: if with_grams {
                vec![0.0; 1 << BUCKET_BITS]
            } else {
                Vec::new()
            },
        }
    }

    /// The log-odds of "positive".
    pub(crate) fn logit(&self, f: &Features) -> f32 {
        let mut z = self.bias;
        for (w, x) in self.meta.iter().zip(&f.meta) {
            z += w * x;
        }
        if !self.grams.is_empty() {
            for &(bucket, value) in &f.grams {
                z += self.grams[bucket as usize] * value;
            }
        }
        z
    }
}

/// The four heads: polarity and subjectivity, for English and for every other language.
#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    pub en: Head,
    pub other: Head,
    pub en_subjectivity: Head,
    pub other_subjectivity: Head,
}

fn fnv64(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

impl Model {
    /// Serialises the model in the format described at the top of this module.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut body = Vec::new();
        for head in [
            &self.en,
            &self.other,
            &self.en_subjectivity,
            &self.other_subjectivity,
        ] {
            body.extend_from_slice(&head.bias.to_le_bytes());
            for w in head.meta {
                body.extend_from_slice(&w.to_le_bytes());
            }
            body.extend_from_slice(&head.threshold.to_le_bytes());
            body.push(u8::from(!head.grams.is_empty()));
            if !head.grams.is_empty() {
                let max = head.grams.iter().fold(0.0_f32, |m, w| m.max(w.abs()));
                let scale = if max > 0.0 { max / 32_767.0 } else { 1.0 };
                body.extend_from_slice(&scale.to_le_bytes());
                for w in &head.grams {
                    let q = (w / scale).round().clamp(-32_767.0, 32_767.0) as i16;
                    body.extend_from_slice(&q.to_le_bytes());
                }
            }
        }
        let mut out = Vec::with_capacity(body.len() + 24);
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&(META as u32).to_le_bytes());
        out.extend_from_slice(&BUCKET_BITS.to_le_bytes());
        out.extend_from_slice(&fnv64(&body).to_le_bytes());
        out.extend_from_slice(&body);
        out
    }

    /// Reads and checks a model file's bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Model, ModelError> {
        let err = |m: &str| ModelError(m.to_owned());
        if bytes.len() < 24 || &bytes[..8] != MAGIC {
            return Err(err("it is not a Jardinier sentiment model (wrong header)"));
        }
        let u32_at = |at: usize| u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap());
        if u32_at(8) as usize != META || u32_at(12) != BUCKET_BITS {
            return Err(ModelError(format!(
                "it was made for {} document features and {} bucket bits, this build uses {META} \
                 and {BUCKET_BITS}",
                u32_at(8),
                u32_at(12)
            )));
        }
        let checksum = u64::from_le_bytes(bytes[16..24].try_into().unwrap());
        let body = &bytes[24..];
        if fnv64(body) != checksum {
            return Err(err("its checksum does not match (the file is damaged)"));
        }
        let mut reader = Reader { bytes: body, at: 0 };
        let en = reader.head()?;
        let other = reader.head()?;
        let en_subjectivity = reader.head()?;
        let other_subjectivity = reader.head()?;
        if reader.at != body.len() {
            return Err(err("it has trailing bytes"));
        }
        Ok(Model {
            en,
            other,
            en_subjectivity,
            other_subjectivity,
        })
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn take(&mut self, n: usize) -> Result<&[u8], ModelError> {
        let end = self.at + n;
        let slice = self
            .bytes
            .get(self.at..end)
            .ok_or_else(|| ModelError("it is truncated".to_owned()))?;
        self.at = end;
        Ok(slice)
    }
    fn f32(&mut self) -> Result<f32, ModelError> {
        let v = f32::from_le_bytes(self.take(4)?.try_into().unwrap());
        if v.is_finite() {
            Ok(v)
        } else {
            Err(ModelError(
                "it holds a weight that is not a number".to_owned(),
            ))
        }
    }
    fn head(&mut self) -> Result<Head, ModelError> {
        let bias = self.f32()?;
        let mut meta = [0.0; META];
        for w in &mut meta {
            *w = self.f32()?;
        }
        let threshold = self.f32()?;
        let has_grams = self.take(1)?[0] == 1;
        let grams = if has_grams {
            let scale = self.f32()?;
            let raw = self.take(2 << BUCKET_BITS)?;
            raw.chunks_exact(2)
                .map(|c| f32::from(i16::from_le_bytes([c[0], c[1]])) * scale)
                .collect()
        } else {
            Vec::new()
        };
        Ok(Head {
            bias,
            meta,
            threshold,
            grams,
        })
    }
}

pub(crate) static MODEL: LazyLock<Result<Model, ModelError>> =
    LazyLock::new(|| Model::from_bytes(MODEL_BYTES));

/// The compiled-in model. Binaries call [`crate::check_model`] at start, so the panic below
/// can only be met by a library user who skipped it; it names the problem either way.
pub(crate) fn model() -> &'static Model {
    match &*MODEL {
        Ok(model) => model,
        Err(error) => panic!("{error}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_compiled_in_model_is_intact() {
        let model = Model::from_bytes(MODEL_BYTES).expect("model");
        assert_eq!(model.en.grams.len(), 1 << BUCKET_BITS);
        assert!(model.other.grams.is_empty());
    }

    #[test]
    fn a_damaged_model_is_refused_with_a_reason() {
        let mut bytes = MODEL_BYTES.to_vec();
        let last = bytes.len() - 1;
        bytes[last] ^= 0x55;
        let error = Model::from_bytes(&bytes).unwrap_err();
        assert!(error.0.contains("checksum"), "{error}");
        let error = Model::from_bytes(&bytes[..100]).unwrap_err();
        assert!(error.0.contains("checksum"), "{error}");
        let error = Model::from_bytes(b"not a model at all, really").unwrap_err();
        assert!(error.to_string().contains("wrong header"), "{error}");
    }

    #[test]
    fn a_model_survives_a_round_trip() {
        let mut head = Head::zero(true);
        head.bias = 0.25;
        head.meta[3] = -1.5;
        head.grams[7] = 2.0;
        head.grams[9] = -1.0;
        let model = Model {
            en: head,
            other: Head::zero(false),
            en_subjectivity: Head::zero(true),
            other_subjectivity: Head::zero(false),
        };
        let back = Model::from_bytes(&model.to_bytes()).unwrap();
        assert_eq!(back.en.bias, 0.25);
        assert_eq!(back.en.meta[3], -1.5);
        assert!((back.en.grams[9] + 1.0).abs() < 1e-3);
        assert_eq!(back.other, model.other);
    }
}
