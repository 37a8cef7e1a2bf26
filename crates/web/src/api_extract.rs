//! What the API reads from a request besides its body: path ids, query parameters and the
//! pagination cursor, each refused with the API's one JSON error body (400) rather than axum's
//! plain-text rejection.

use axum::Json;
use axum::extract::{FromRequest, FromRequestParts, Path, Query, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::SharedState;
use crate::api::ApiError;

/// A path's `{id}`, a whole number; anything else is a 400 that says so.
pub struct Id(pub i64);

impl FromRequestParts<SharedState> for Id {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &SharedState,
    ) -> Result<Self, Self::Rejection> {
        match Path::<i64>::from_request_parts(parts, state).await {
            Ok(Path(id)) => Ok(Id(id)),
            Err(_) => Err(ApiError::bad_request(
                "invalid_path",
                "The id in the address must be a whole number, such as /conversations/42.",
            )),
        }
    }
}

/// Query parameters; a value of the wrong type is a 400 naming the parameter.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned + Send> FromRequestParts<SharedState> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &SharedState,
    ) -> Result<Self, Self::Rejection> {
        match Query::<T>::from_request_parts(parts, state).await {
            Ok(Query(value)) => Ok(ApiQuery(value)),
            Err(rejection) => Err(ApiError::bad_request(
                "invalid_query",
                format!(
                    "A query parameter is not what this route accepts: {}",
                    rejection
                        .body_text()
                        .trim_start_matches("Failed to deserialize query string: ")
                ),
            )),
        }
    }
}

/// A JSON object body. Bodies that are not JSON, not sent as JSON or too large are refused as
/// axum refuses them, in the API's error body; a JSON value that is not an object (serde would
/// read an array into a struct, field by field) is refused too.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned> FromRequest<SharedState> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &SharedState) -> Result<Self, Self::Rejection> {
        let Json(mut value) = Json::<serde_json::Value>::from_request(req, state).await?;
        whole_numbers(&mut value);
        if !value.is_object() {
            return Err(ApiError::with_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_body",
                "The body must be a JSON object, such as {\"name\": \"…\"}.",
            ));
        }
        serde_json::from_value(value).map(ApiJson).map_err(|error| {
            ApiError::with_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_body",
                format!("The body does not fit this route: {error}"),
            )
        })
    }
}

/// JSON Schema counts `5.0` as the integer 5 (the document's integers say so); serde would refuse
/// it for an integer field. Numbers without a fraction become integers before reading.
fn whole_numbers(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Number(n) if n.is_f64() => {
            if let Some(f) = n.as_f64()
                && f.fract() == 0.0
                && f >= i64::MIN as f64
                && f < i64::MAX as f64
            {
                *value = serde_json::Value::from(f as i64);
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(whole_numbers),
        serde_json::Value::Object(fields) => fields.values_mut().for_each(whole_numbers),
        _ => {}
    }
}

/// `?limit=&cursor=` of every list: at most `limit` items (1 to 200, 50 by default) after the
/// position `cursor` names, as given in the previous page's `next_cursor`.
#[derive(Deserialize, Default)]
pub struct PageParams {
    #[serde(default)]
    pub limit: Option<i64>,
    #[serde(default)]
    pub cursor: Option<String>,
}

pub const MAX_LIMIT: i64 = 200;
pub const DEFAULT_LIMIT: i64 = 50;

impl PageParams {
    pub fn limit(&self) -> Result<i64, ApiError> {
        match self.limit {
            None => Ok(DEFAULT_LIMIT),
            Some(n) if (1..=MAX_LIMIT).contains(&n) => Ok(n),
            Some(n) => Err(ApiError::invalid(
                "limit",
                "error.number_out_of_range",
                format!("limit: {n} is not between 1 and {MAX_LIMIT}"),
            )),
        }
    }

    /// The position the cursor names: `parts` whole numbers.
    pub fn position(&self, parts: usize) -> Result<Option<Vec<i64>>, ApiError> {
        let Some(cursor) = self.cursor.as_deref().filter(|c| !c.is_empty()) else {
            return Ok(None);
        };
        decode_cursor(cursor, parts).map(Some).ok_or_else(|| {
            ApiError::invalid(
                "cursor",
                "error.cursor_invalid",
                "cursor: not a cursor this list gave; start again without it".into(),
            )
        })
    }
}

/// The cursor of a position in a list: its sort key and id, as whole numbers joined by dots
/// (`1796483267.42`). Clients pass it back as given; the OpenAPI document states its form.
pub fn encode_cursor(position: &[i64]) -> String {
    position
        .iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(".")
}

fn decode_cursor(cursor: &str, parts: usize) -> Option<Vec<i64>> {
    let values: Vec<i64> = cursor
        .split('.')
        .map(|n| n.parse().ok())
        .collect::<Option<_>>()?;
    (values.len() == parts).then_some(values)
}

/// Pages a list already in its order by a position read from each item: the items after the
/// cursor's position, at most `limit`, and the next page's cursor when more may follow.
/// `after(item, position)` says whether the item comes after that position.
pub fn page_of<T>(
    items: Vec<T>,
    params: &PageParams,
    parts: usize,
    after: impl Fn(&T, &[i64]) -> bool,
    position: impl Fn(&T) -> Vec<i64>,
) -> Result<(Vec<T>, Option<String>), ApiError> {
    let limit = params.limit()? as usize;
    let start = params.position(parts)?;
    let mut page: Vec<T> = items
        .into_iter()
        .filter(|item| start.as_deref().is_none_or(|p| after(item, p)))
        .take(limit + 1)
        .collect();
    let more = page.len() > limit;
    page.truncate(limit);
    let next = more
        .then(|| page.last().map(|item| encode_cursor(&position(item))))
        .flatten();
    Ok((page, next))
}

impl ApiError {
    pub(crate) fn bad_request(code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError::with_status(StatusCode::BAD_REQUEST, code, message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_read_back_and_refuse_what_they_did_not_give() {
        let cursor = encode_cursor(&[1_700_000_000, 42]);
        let params = PageParams {
            limit: None,
            cursor: Some(cursor),
        };
        assert_eq!(params.position(2).unwrap(), Some(vec![1_700_000_000, 42]));
        assert!(params.position(1).is_err(), "a cursor of another list");
        for bad in ["", "1.2.3", "1", "a.b", "%%%"] {
            let params = PageParams {
                limit: None,
                cursor: Some(bad.into()),
            };
            // The empty cursor is the first page; the others are refused.
            assert_eq!(params.position(2).is_ok(), bad.is_empty(), "{bad}");
        }
    }

    #[test]
    fn numbers_without_a_fraction_are_integers() {
        let mut value = serde_json::json!({"id": -79847229.0, "k": 2.5, "list": [3.0, {"n": 1e3}]});
        whole_numbers(&mut value);
        assert_eq!(
            value,
            serde_json::json!({"id": -79847229, "k": 2.5, "list": [3, {"n": 1000}]})
        );
        assert!(value["id"].is_i64());
    }

    #[test]
    fn pages_follow_each_other_without_gaps_or_repeats() {
        let ids: Vec<i64> = (1..=7).rev().collect();
        let mut params = PageParams {
            limit: Some(3),
            cursor: None,
        };
        let mut seen = Vec::new();
        loop {
            let (page, next) =
                page_of(ids.clone(), &params, 1, |id, p| *id < p[0], |id| vec![*id]).unwrap();
            seen.extend(page);
            match next {
                Some(cursor) => params.cursor = Some(cursor),
                None => break,
            }
        }
        assert_eq!(seen, ids);
        let params = PageParams {
            limit: Some(0),
            cursor: None,
        };
        assert!(params.limit().is_err());
    }
}
