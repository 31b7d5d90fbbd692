//! Query strings, read strictly: each parameter at most once, its text percent-decoded.
//! Rocket's optional query guards turn a repeated or unreadable parameter into "absent",
//! which would let `?per_page=x&per_page=x` through as the default; this guard refuses it.

use rocket::request::{self, FromRequest, Request};

use crate::error::{fail, AppError};

pub struct QueryParams(Vec<(String, String)>);

#[rocket::async_trait]
impl<'r> FromRequest<'r> for QueryParams {
    type Error = ();

    async fn from_request(req: &'r Request<'_>) -> request::Outcome<Self, ()> {
        let raw = req.uri().query().map(|q| q.as_str()).unwrap_or("");
        match serde_urlencoded::from_str::<Vec<(String, String)>>(raw) {
            Ok(pairs) => request::Outcome::Success(QueryParams(pairs)),
            Err(_) => fail(
                req,
                AppError::invalid("query", "is not a valid query string"),
            ),
        }
    }
}

impl QueryParams {
    /// The value of `name`, if given; a 400 if it is given more than once.
    pub fn get(&self, name: &str) -> Result<Option<&str>, AppError> {
        let mut values = self.0.iter().filter(|(key, _)| key == name);
        let first = values.next().map(|(_, value)| value.as_str());
        if values.next().is_some() {
            return Err(AppError::invalid(name, "is given more than once"));
        }
        Ok(first)
    }
}
