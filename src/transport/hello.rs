//! The first frame of a connection: who is this?

use crate::app::App;
use crate::auth;
use crate::domain::Participant;
use crate::domain::{Role, VisitorId};
use crate::hub::VisitorHello;
use crate::protocol::{ErrorCode, Hello, PROTOCOL_VERSION};

/// Why a hello is refused, and how the connection is closed.
pub struct Refusal {
    pub code: ErrorCode,
    pub message: String,
    pub close: u16,
}

fn refuse(code: ErrorCode, message: impl Into<String>, close: u16) -> Refusal {
    Refusal { code, message: message.into(), close }
}

pub enum Admitted {
    Visitor(Box<VisitorHello>),
    Known(Participant),
}

pub async fn admit(app: &App, role: Role, hello: Hello, origin: Option<&str>) -> Result<Admitted, Refusal> {
    if hello.v != PROTOCOL_VERSION {
        return Err(refuse(ErrorCode::UnsupportedVersion, format!("this hub speaks version {PROTOCOL_VERSION}"), 1008));
    }
    match role {
        Role::Visitor => visitor(app, hello, origin).await.map(|h| Admitted::Visitor(Box::new(h))),
        Role::System => Err(refuse(ErrorCode::Forbidden, "no such endpoint", 1008)),
        Role::Agent | Role::Bot => {
            let token = hello.token.filter(|t| !t.is_empty());
            let token = token.ok_or_else(|| refuse(ErrorCode::Unauthorized, "a token is required", 4001))?;
            match lookup(app, &token).await? {
                Some(Participant::Agent(id)) if role == Role::Agent => Ok(Admitted::Known(Participant::Agent(id))),
                Some(Participant::Bot(id)) if role == Role::Bot => Ok(Admitted::Known(Participant::Bot(id))),
                _ => Err(refuse(ErrorCode::Unauthorized, "the token is not valid", 4001)),
            }
        }
    }
}

/// Resolves a bearer token (`App::principal`); a store failure refuses the hello, to be tried again.
pub async fn lookup(app: &App, token: &str) -> Result<Option<Participant>, Refusal> {
    app.principal(token).await.map_err(|e| {
        tracing::error!(error = %e, "token lookup failed");
        refuse(ErrorCode::Internal, "try again shortly", 1011)
    })
}

async fn visitor(app: &App, hello: Hello, origin: Option<&str>) -> Result<VisitorHello, Refusal> {
    let site_key = hello.site.unwrap_or_else(|| "default".into());
    let site = app.sites.get(&site_key).ok_or_else(|| refuse(ErrorCode::NotFound, "unknown site", 1008))?;
    if !super::origin_allowed(&site.allowed_origins, origin) {
        return Err(refuse(ErrorCode::Forbidden, "this page's origin may not use this site", 1008));
    }
    if let Some(d) = hello.department.as_deref().filter(|d| !app.departments.iter().any(|x| &*x.name == *d)) {
        return Err(refuse(ErrorCode::NotFound, format!("unknown department \"{}\"", short_name(d)), 1008));
    }
    let known = match hello.visitor_token.as_deref().filter(|t| !t.is_empty()) {
        Some(token) => match lookup(app, token).await? {
            Some(Participant::Visitor(id)) => Some((id, token.to_owned())),
            // An unknown or foreign token starts afresh: the widget stores whatever the welcome gives.
            _ => None,
        },
        None => None,
    };
    // A returning visitor keeps the token it has (stored-format tokens stay valid); a new one gets a
    // token that needs no store.
    let (visitor, token) = match known {
        Some(known) => known,
        None => {
            let id = VisitorId::random();
            (id, app.visitor_tokens.issue(id))
        }
    };
    let identity = auth::check_identity(hello.identity.as_deref(), site.secret.as_deref());
    Ok(VisitorHello {
        visitor,
        token,
        site: site.key.as_str().into(),
        locale: hello.locale,
        department: hello.department,
        identity,
        client: crate::hub::ClientFacts {
            page: hello.page.map(Into::into),
            user_agent: hello.user_agent.map(Into::into),
            timezone: hello.timezone.map(Into::into),
        },
        widget: site.widget.clone().map(std::sync::Arc::new),
        reference: None,
        ip: None,
    })
}

/// A client-supplied name cut to a length fit for an error message.
fn short_name(name: &str) -> &str {
    let end = (0..=name.len().min(64)).rev().find(|i| name.is_char_boundary(*i)).unwrap_or(0);
    &name[..end]
}
