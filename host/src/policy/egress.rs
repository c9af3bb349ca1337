//! Egress rules: which URLs a plugin may reach.
//!
//! A manifest declares URL prefixes such as `https://{instance}/api/now/`.
//! They are parsed once, at load, into [`EgressTemplate`]s; for each call the
//! tenant's config fills the `{key}` placeholders, giving concrete
//! [`EgressRule`]s. A URL is allowed only when scheme, host, port and path
//! prefix all match one rule. Anything unparseable or unfilled denies.
//!
//! Paths are matched as the upstream will route them, decoded: a path
//! whose percent-encoding hides a `/`, a `\`, a control character or a
//! `.`/`..` segment is refused outright (an upstream that decodes `%2F`
//! before routing would otherwise serve `/api/%2e%2e%2Fsecret` as
//! `/secret`), and the rest are compared after decoding, so `/ap%69/`
//! is `/api/`. Denials name the URL without its query string or
//! fragment, which often carry tokens.

use std::collections::BTreeMap;
use std::fmt;
use url::Url;

/// Why a declared egress prefix is unusable. Refused at load.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("egress rule `{rule}` is invalid: {reason}")]
pub struct EgressRuleError {
    /// The rule as declared.
    pub rule: String,
    /// What is wrong and how to fix it.
    pub reason: String,
}

/// Why a request is denied.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Denial {
    /// The URL does not parse.
    #[error("`{url}` is not a valid absolute URL: {reason}")]
    BadUrl {
        /// The URL.
        url: String,
        /// Parser message.
        reason: String,
    },
    /// The plugin declares no egress at all.
    #[error("plugin `{plugin}` declares no egress, so `{url}` is not allowed")]
    NoEgress {
        /// The plugin.
        plugin: String,
        /// The URL.
        url: String,
    },
    /// A rule needs a config key the tenant has not set.
    #[error("egress rule `{rule}` needs config key `{key}`, which this tenant has not set")]
    MissingConfig {
        /// The rule as declared.
        rule: String,
        /// The key.
        key: String,
    },
    /// No rule matches.
    #[error("`{url}` is outside every egress rule of plugin `{plugin}`: {reason}")]
    NoMatch {
        /// The plugin.
        plugin: String,
        /// The URL.
        url: String,
        /// Which part failed for the closest rule.
        reason: String,
    },
    /// The path's percent-encoding hides a separator, a control character
    /// or a dot segment, which upstreams route differently.
    #[error("`{url}` is refused: {reason}")]
    AmbiguousPath {
        /// The URL, without query or fragment.
        url: String,
        /// What the encoding hides.
        reason: String,
    },
    /// The tool call has made as many requests as one call may.
    #[error("this tool call has made {limit} requests, the most one call may make ([egress] max_requests_per_call)")]
    TooManyRequests {
        /// The bound.
        limit: u32,
    },
    /// The host resolves to an address the operator has not allowed.
    #[error("`{host}` resolves to {address}, a {kind} address, which this host does not allow")]
    PrivateAddress {
        /// The host name or literal.
        host: String,
        /// The address.
        address: std::net::IpAddr,
        /// loopback, private, link-local, ...
        kind: &'static str,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Literal(String),
    Key(String),
}

/// A string with `{key}` placeholders.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Template(Vec<Piece>);

impl Template {
    fn parse(text: &str) -> Result<Self, String> {
        let mut pieces = Vec::new();
        let mut rest = text;
        while let Some(open) = rest.find('{') {
            if open > 0 {
                pieces.push(Piece::Literal(rest[..open].to_owned()));
            }
            let close = rest[open..].find('}').ok_or("a `{` has no closing `}`")? + open;
            let key = &rest[open + 1..close];
            let valid = key.starts_with(|c: char| c.is_ascii_lowercase())
                && key.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-');
            if !valid {
                return Err(format!("placeholder `{{{key}}}` must be a config key like `{{instance}}`"));
            }
            pieces.push(Piece::Key(key.to_owned()));
            rest = &rest[close + 1..];
        }
        if rest.contains('}') {
            return Err("a `}` has no opening `{`".to_owned());
        }
        if !rest.is_empty() {
            pieces.push(Piece::Literal(rest.to_owned()));
        }
        Ok(Self(pieces))
    }

    fn fill(&self, config: &BTreeMap<String, String>) -> Result<String, String> {
        self.0
            .iter()
            .map(|piece| match piece {
                Piece::Literal(text) => Ok(text.clone()),
                Piece::Key(key) => {
                    config.get(key).filter(|value| !value.is_empty()).cloned().ok_or_else(|| key.clone())
                }
            })
            .collect()
    }
}

/// A declared egress prefix, parsed, with its placeholders still open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EgressTemplate {
    raw: String,
    scheme: String,
    authority: Template,
    path: Template,
}

impl EgressTemplate {
    /// Parses `rule` (`scheme://host[:port]/path-prefix`, with `{key}`
    /// placeholders in host and path).
    pub fn parse(rule: &str) -> Result<Self, EgressRuleError> {
        let invalid = |reason: &str| EgressRuleError { rule: rule.to_owned(), reason: reason.to_owned() };
        let (scheme, rest) = rule.split_once("://").ok_or_else(|| invalid("write it as `https://host/path/`"))?;
        if scheme != "https" && scheme != "http" {
            return Err(invalid("the scheme must be `https` or `http`"));
        }
        let (authority, path) = match rest.find('/') {
            Some(slash) => (&rest[..slash], &rest[slash..]),
            None => (rest, "/"),
        };
        if authority.is_empty() {
            return Err(invalid("the host is missing"));
        }
        if authority.contains('@') || rule.contains('?') || rule.contains('#') {
            return Err(invalid("user info, query strings and fragments are not allowed in egress rules"));
        }
        let authority = Template::parse(authority).map_err(|reason| invalid(&reason))?;
        let path = Template::parse(path).map_err(|reason| invalid(&reason))?;
        Ok(Self { raw: rule.to_owned(), scheme: scheme.to_owned(), authority, path })
    }

    /// Fills the placeholders from `config`.
    pub fn resolve(&self, config: &BTreeMap<String, String>) -> Result<EgressRule, Denial> {
        let missing = |key: String| Denial::MissingConfig { rule: self.raw.clone(), key };
        let authority = self.authority.fill(config).map_err(missing)?;
        let path = self.path.fill(config).map_err(missing)?;
        // Parse the filled rule with the same URL parser requests go through,
        // so a config value cannot smuggle in another host or path.
        let url = Url::parse(&format!("{}://{authority}{path}", self.scheme)).map_err(|error| Denial::NoMatch {
            plugin: String::new(),
            url: self.raw.clone(),
            reason: format!("the tenant's config makes this rule invalid: {error}"),
        })?;
        // Compared as parsed hosts: `host_str` keeps an IPv6 literal's
        // brackets and spells it canonically, as requests' URLs are spelled.
        let host = url.host_str().unwrap_or_default().to_owned();
        let filled_host = url::Host::parse(host_of(&authority)).map(|filled| filled.to_string());
        if filled_host.as_deref() != Ok(host.as_str()) || url.path() != path {
            return Err(Denial::NoMatch {
                plugin: String::new(),
                url: self.raw.clone(),
                reason: format!("the tenant's config value does not form a plain host and path (`{authority}{path}`)"),
            });
        }
        let path = decoded_path(&path).map_err(|reason| Denial::NoMatch {
            plugin: String::new(),
            url: self.raw.clone(),
            reason: format!("the rule's path {reason}"),
        })?;
        Ok(EgressRule { scheme: self.scheme.clone(), host, port: url.port_or_known_default(), path })
    }
}

/// A concrete rule for one call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EgressRule {
    scheme: String,
    host: String,
    port: Option<u16>,
    path: String,
}

impl EgressRule {
    /// Why `url`, whose decoded path is `path`, is outside this rule, or
    /// `None` when inside.
    fn mismatch(&self, url: &Url, path: &str) -> Option<String> {
        if url.scheme() != self.scheme {
            return Some(format!("scheme `{}` is not `{}`", url.scheme(), self.scheme));
        }
        let host = url.host_str().unwrap_or_default();
        if !host.eq_ignore_ascii_case(&self.host) {
            return Some(format!("host `{host}` is not `{}`", self.host));
        }
        if url.port_or_known_default() != self.port {
            return Some(format!(
                "port {} is not {}",
                display_port(url.port_or_known_default()),
                display_port(self.port)
            ));
        }
        if !path_within(path, &self.path) {
            return Some(format!("path `{}` is not under `{}`", url.path(), self.path));
        }
        None
    }

    /// The rule's origin (`scheme://host:port`).
    pub fn origin(&self) -> String {
        format!("{}://{}:{}", self.scheme, self.host, display_port(self.port))
    }
}

impl fmt::Display for EgressRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}://{}:{}{}", self.scheme, self.host, display_port(self.port), self.path)
    }
}

/// The host part of `authority` (`host[:port]`), an IPv6 literal with its
/// brackets.
fn host_of(authority: &str) -> &str {
    let port_at = match authority.rfind(']') {
        Some(bracket) => authority[bracket..].find(':').map(|colon| bracket + colon),
        None => authority.rfind(':'),
    };
    port_at.map_or(authority, |colon| &authority[..colon])
}

fn display_port(port: Option<u16>) -> String {
    port.map_or_else(|| "?".to_owned(), |port| port.to_string())
}

/// `path` percent-decoded, or why it cannot be matched safely: a decoded
/// segment holding `/` or `\`, a control character, or a `.` or `..`
/// segment. Bytes that are not UTF-8 stay percent-encoded, so such a path
/// still compares equal only to itself.
fn decoded_path(path: &str) -> Result<String, String> {
    let mut decoded = String::with_capacity(path.len());
    for (index, segment) in path.split('/').enumerate() {
        let bytes: Vec<u8> = percent_encoding::percent_decode_str(segment).collect();
        if bytes.iter().any(|byte| matches!(byte, b'/' | b'\\')) {
            return Err("has an encoded `/` or `\\` in a segment".to_owned());
        }
        if bytes.iter().any(u8::is_ascii_control) {
            return Err("has an encoded control character".to_owned());
        }
        if index > 0 && matches!(bytes.as_slice(), b"." | b"..") {
            return Err("has an encoded `.` or `..` segment".to_owned());
        }
        if index > 0 {
            decoded.push('/');
        }
        match String::from_utf8(bytes) {
            Ok(text) => decoded.push_str(&text),
            Err(_) => decoded.push_str(segment),
        }
    }
    Ok(decoded)
}

/// `url` as denials show it: without its query string or fragment, which
/// often carry tokens and must reach neither the log nor the audit log.
pub fn without_query(url: &str) -> &str {
    url.find(['?', '#']).map_or(url, |cut| &url[..cut])
}

fn path_within(path: &str, prefix: &str) -> bool {
    if prefix.ends_with('/') {
        path.starts_with(prefix)
    } else {
        path == prefix || path.strip_prefix(prefix).is_some_and(|rest| rest.starts_with('/'))
    }
}

/// The rules one call may use, already resolved against the tenant's config.
#[derive(Debug, Clone)]
pub struct EgressPolicy {
    plugin: String,
    rules: Vec<Result<EgressRule, Denial>>,
}

impl EgressPolicy {
    /// Resolves `templates` of `plugin` against the tenant's `config`.
    pub fn resolve(plugin: &str, templates: &[EgressTemplate], config: &BTreeMap<String, String>) -> Self {
        Self { plugin: plugin.to_owned(), rules: templates.iter().map(|template| template.resolve(config)).collect() }
    }

    /// Parses and checks `url`; returns it when some rule allows it.
    pub fn check(&self, url: &str) -> Result<Url, Denial> {
        let shown = without_query(url);
        let parsed =
            Url::parse(url).map_err(|error| Denial::BadUrl { url: shown.to_owned(), reason: error.to_string() })?;
        if !parsed.username().is_empty() || parsed.password().is_some() {
            return Err(Denial::BadUrl {
                url: shown.to_owned(),
                reason: "credentials in URLs are not allowed".to_owned(),
            });
        }
        if self.rules.is_empty() {
            return Err(Denial::NoEgress { plugin: self.plugin.clone(), url: shown.to_owned() });
        }
        let path = decoded_path(parsed.path()).map_err(|reason| Denial::AmbiguousPath {
            url: shown.to_owned(),
            reason: format!("its path {reason}, which upstreams route differently"),
        })?;
        let mut reasons = Vec::new();
        let mut unresolved = None;
        for rule in &self.rules {
            match rule {
                Ok(rule) => match rule.mismatch(&parsed, &path) {
                    None => return Ok(parsed),
                    Some(reason) => reasons.push(format!("{reason} (rule {rule})")),
                },
                Err(denial) => {
                    reasons.push(denial.to_string());
                    unresolved = unresolved.or_else(|| Some(denial.clone()));
                }
            }
        }
        match unresolved {
            // Every rule waits on the tenant's config: that is the fix.
            Some(denial) if self.rules.iter().all(Result::is_err) => Err(denial),
            _ => {
                Err(Denial::NoMatch { plugin: self.plugin.clone(), url: shown.to_owned(), reason: reasons.join("; ") })
            }
        }
    }

    /// The origins of the resolved rules, where credentials are bound by default.
    pub fn origins(&self) -> Vec<String> {
        let mut origins: Vec<String> = self.rules.iter().flatten().map(EgressRule::origin).collect();
        origins.dedup();
        origins
    }
}

/// The origin (`scheme://host:port`) of a parsed URL.
pub fn origin_of(url: &Url) -> String {
    format!("{}://{}:{}", url.scheme(), url.host_str().unwrap_or_default(), display_port(url.port_or_known_default()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(key, value)| (key.to_string(), value.to_string())).collect()
    }

    fn policy(rules: &[&str], pairs: &[(&str, &str)]) -> EgressPolicy {
        let templates: Vec<_> = rules.iter().map(|rule| EgressTemplate::parse(rule).unwrap()).collect();
        EgressPolicy::resolve("servicenow", &templates, &config(pairs))
    }

    #[test]
    fn placeholders_are_filled_from_the_tenants_config() {
        let policy = policy(&["https://{instance}/api/now/"], &[("instance", "acme.service-now.com")]);
        assert!(policy.check("https://acme.service-now.com/api/now/table/incident?sysparm_limit=1").is_ok());
        assert!(policy.check("https://ACME.service-now.com:443/api/now/table").is_ok());
    }

    #[test]
    fn scheme_host_port_and_path_must_all_match() {
        let policy = policy(&["https://{instance}/api/now/"], &[("instance", "acme.service-now.com")]);
        let cases = [
            ("http://acme.service-now.com/api/now/x", "scheme"),
            ("https://evil.example/api/now/x", "host"),
            ("https://acme.service-now.com.evil.example/api/now/x", "host"),
            ("https://acme.service-now.com:8443/api/now/x", "port"),
            ("https://acme.service-now.com/api/other", "path"),
            ("https://acme.service-now.com/api/now/../../admin", "path"),
            ("https://acme.service-now.com/api/now/%2e%2e/%2e%2e/admin", "path"),
        ];
        for (url, part) in cases {
            let denial = policy.check(url).unwrap_err().to_string();
            assert!(denial.contains(part), "{url}: {denial}");
        }
        assert!(matches!(policy.check("https://user:pw@acme.service-now.com/api/now/"), Err(Denial::BadUrl { .. })));
    }

    #[test]
    fn encoded_separators_and_dot_segments_are_refused() {
        let policy = policy(&["https://{instance}/api/"], &[("instance", "a.example")]);
        for url in [
            "https://a.example/api/%2Fsecret",
            "https://a.example/api/%2fsecret",
            "https://a.example/api/%2e%2e%2Fsecret",
            "https://a.example/api/x%5C..%5Csecret",
            "https://a.example/api/a%00b",
            "https://a.example/api/%252e%252e/x/..%2F",
        ] {
            let denial = policy.check(url).unwrap_err();
            assert!(matches!(denial, Denial::AmbiguousPath { .. }), "{url}: {denial}");
        }
        assert!(policy.check("https://a.example/ap%69/x").is_ok(), "decoded, `/ap%69/` is `/api/`");
        assert!(policy.check("https://a.example/%61pi%2Dv2").is_err(), "decoded, `/api-v2` is outside `/api/`");
        assert!(policy.check("https://a.example/api/a%20b%C3%BC").is_ok());
    }

    #[test]
    fn denials_never_show_the_query_or_fragment() {
        let policy = policy(&["https://{instance}/api/"], &[("instance", "a.example")]);
        for url in [
            "https://a.example/admin?token=sekrit",
            "https://evil.example/api/?token=sekrit#frag-sekrit",
            "https://a.example/api/%2F?token=sekrit",
            "not a url?token=sekrit",
        ] {
            let denial = policy.check(url).unwrap_err().to_string();
            assert!(!denial.contains("sekrit"), "{url}: {denial}");
        }
        let none = EgressPolicy::resolve("hello", &[], &BTreeMap::new());
        assert!(!none.check("https://a.example/?token=sekrit").unwrap_err().to_string().contains("sekrit"));
    }

    #[test]
    fn an_unfilled_placeholder_denies_and_names_the_key() {
        let policy = policy(&["https://{instance}/api/now/"], &[]);
        let denial = policy.check("https://acme.service-now.com/api/now/x").unwrap_err();
        assert_eq!(
            denial,
            Denial::MissingConfig { rule: "https://{instance}/api/now/".into(), key: "instance".into() }
        );
    }

    #[test]
    fn config_values_cannot_smuggle_hosts_or_paths() {
        for value in ["evil.example/api/now", "evil.example?x=", "acme.service-now.com@evil.example", "evil.example#"] {
            let policy = policy(&["https://{instance}/api/now/"], &[("instance", value)]);
            assert!(policy.check("https://evil.example/api/now/x").is_err(), "{value}");
        }
    }

    #[test]
    fn prefixes_without_a_trailing_slash_match_whole_segments() {
        let policy = policy(&["https://{instance}/oauth_token.do"], &[("instance", "a.example")]);
        assert!(policy.check("https://a.example/oauth_token.do").is_ok());
        assert!(policy.check("https://a.example/oauth_token.do.evil").is_err());
    }

    #[test]
    fn bad_rules_are_refused_at_load_with_a_fix() {
        for (rule, hint) in [
            ("acme.example/api", "https://host/path/"),
            ("ftp://acme.example/", "scheme"),
            ("https://{Instance}/", "config key"),
            ("https://{instance/", "closing"),
            ("https://u@acme.example/", "user info"),
            ("https:///path", "host is missing"),
        ] {
            let error = EgressTemplate::parse(rule).unwrap_err().to_string();
            assert!(error.contains(hint), "{rule}: {error}");
        }
    }

    #[test]
    fn ipv6_literal_rules_match_their_urls() {
        let rules = [
            ("http://[::1]:8080/api/", None),
            ("http://[0:0::1]:8080/api/", None),
            ("http://{upstream}/api/", Some("[::1]:8080")),
        ];
        for (rule, config) in rules {
            let policy = policy(&[rule], &[("upstream", config.unwrap_or_default())]);
            assert!(policy.check("http://[::1]:8080/api/x").is_ok(), "{rule}");
            assert!(policy.check("http://[0:0::1]:8080/api/x").is_ok(), "{rule}: the same address, spelled longer");
            assert!(policy.check("http://[::2]:8080/api/x").unwrap_err().to_string().contains("host"), "{rule}");
            assert!(policy.check("http://[::1]:8081/api/x").unwrap_err().to_string().contains("port"), "{rule}");
        }
        let policy = policy(&["https://[2001:db8::1]/"], &[]);
        assert!(policy.check("https://[2001:db8::1]/x").is_ok());
        assert_eq!(policy.origins(), ["https://[2001:db8::1]:443"]);
    }

    #[test]
    fn no_rules_means_no_egress() {
        let policy = EgressPolicy::resolve("hello", &[], &BTreeMap::new());
        assert!(matches!(policy.check("https://example.com/"), Err(Denial::NoEgress { .. })));
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        /// The path as an upstream that decodes everything, `%2F` and
        /// `\` included, and then resolves dot segments would route it.
        fn routed(path: &str) -> String {
            let decoded = percent_encoding::percent_decode_str(path).decode_utf8_lossy().replace('\\', "/");
            let mut segments: Vec<&str> = Vec::new();
            for segment in decoded.split('/').skip(1) {
                match segment {
                    "." => {}
                    ".." => {
                        segments.pop();
                    }
                    other => segments.push(other),
                }
            }
            format!("/{}", segments.join("/"))
        }

        fn segment() -> impl Strategy<Value = String> {
            prop::collection::vec(
                prop::sample::select(vec![
                    "api", "v1", "x", "a", ".", "..", "%2F", "%2f", "%2e", "%2E", "%5C", "\\", "%61", "%69", "%25",
                    "%00", "-", "%2e%2e", "secret", "api-v2", "%C3%BC",
                ]),
                0..4,
            )
            .prop_map(|parts| parts.concat())
        }

        fn url() -> impl Strategy<Value = String> {
            (
                prop::sample::select(vec!["http", "https", "ftp"]),
                prop::sample::select(vec!["a.example", "A.EXAMPLE", "b.example", "a.example.evil", "127.0.0.1"]),
                prop::sample::select(vec!["", ":80", ":443", ":8080"]),
                prop::collection::vec(segment(), 0..5),
                prop::sample::select(vec!["", "?q=1", "?a=%2F..", "#frag"]),
            )
                .prop_map(|(scheme, host, port, segments, tail)| {
                    format!("{scheme}://{host}{port}/{}{tail}", segments.join("/"))
                })
        }

        fn rule() -> impl Strategy<Value = String> {
            (
                prop::sample::select(vec!["http", "https"]),
                prop::sample::select(vec!["a.example", "127.0.0.1"]),
                prop::sample::select(vec!["", ":8080"]),
                prop::sample::select(vec!["/", "/api/", "/api", "/api/v1/", "/x/a"]),
            )
                .prop_map(|(scheme, host, port, path)| format!("{scheme}://{host}{port}{path}"))
        }

        proptest! {
            #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

            #[test]
            fn no_url_outside_the_rule_is_allowed(rule in rule(), url in url()) {
                let template = EgressTemplate::parse(&rule).unwrap();
                let expected = Url::parse(&rule).unwrap();
                let policy = EgressPolicy::resolve("p", &[template], &BTreeMap::new());
                if let Ok(allowed) = policy.check(&url) {
                    prop_assert_eq!(allowed.scheme(), expected.scheme());
                    prop_assert!(allowed.host_str().unwrap().eq_ignore_ascii_case(expected.host_str().unwrap()));
                    prop_assert_eq!(allowed.port_or_known_default(), expected.port_or_known_default());
                    let (path, prefix) = (routed(allowed.path()), expected.path());
                    let within = if prefix.ends_with('/') {
                        path.starts_with(prefix)
                    } else {
                        path == prefix || path.starts_with(&format!("{prefix}/"))
                    };
                    prop_assert!(within, "{} routes to {} outside {}", url, path, prefix);
                }
            }
        }
    }
}
