//! HTTP errors: `{"error":{"code","message"}}` with a fitting status, never an internal detail.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::protocol::rest::{ErrorBody, ErrorDetail};

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError { status, code, message: message.into() }
    }
    pub fn bad_request(message: impl Into<String>) -> ApiError {
        Self::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }
    pub fn unauthorized() -> ApiError {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", "a valid bearer token is required")
    }
    pub fn forbidden() -> ApiError {
        Self::new(StatusCode::FORBIDDEN, "forbidden", "this token may not do that")
    }
    pub fn not_found(what: &str) -> ApiError {
        Self::new(StatusCode::NOT_FOUND, "not_found", format!("no such {what}"))
    }
    /// Logs the cause and tells the client only that it was not its fault.
    pub fn internal(cause: impl std::fmt::Display) -> ApiError {
        tracing::error!(error = %cause, "request failed");
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "something went wrong on our side")
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody { error: ErrorDetail { code: self.code, message: self.message } };
        (self.status, Json(body)).into_response()
    }
}

impl From<crate::hub::HubStopped> for ApiError {
    fn from(_: crate::hub::HubStopped) -> ApiError {
        ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", "the service is restarting")
    }
}

impl From<crate::store::StoreError> for ApiError {
    fn from(e: crate::store::StoreError) -> ApiError {
        match e {
            crate::store::StoreError::Unavailable(cause) => {
                tracing::warn!(error = %cause, "store unreachable");
                ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", "storage cannot be reached; try again")
            }
            e => ApiError::internal(e),
        }
    }
}

impl From<crate::hub::AdminError> for ApiError {
    fn from(e: crate::hub::AdminError) -> ApiError {
        use crate::hub::AdminError::*;
        match e {
            Conflict(m) => ApiError::new(StatusCode::CONFLICT, "conflict", m),
            NotFound => ApiError::not_found("agent"),
            Invalid(m) => ApiError::bad_request(m),
        }
    }
}

/// JSON bodies whose rejections are reported in our error format.
pub struct JsonBody<T>(pub T);

impl<S: Send + Sync, T: serde::de::DeserializeOwned> axum::extract::FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, ApiError> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(v)) => Ok(JsonBody(v)),
            Err(rejection) => Err(ApiError::bad_request(rejection.body_text())),
        }
    }
}

impl From<crate::passwords::PasswordsError> for ApiError {
    fn from(e: crate::passwords::PasswordsError) -> ApiError {
        match e {
            crate::passwords::PasswordsError::Busy => ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "unavailable",
                "too many sign-ins are being checked; try again in a moment",
            ),
            other => ApiError::internal(other),
        }
    }
}
