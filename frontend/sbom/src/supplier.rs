//! SPDX `supplier` values (the NTIA minimum element "supplier name") from
//! what each ecosystem records about who made a package.
//!
//! Every component gets one: the package's own declaration first (dpkg
//! `Maintainer`, core-metadata `Author`/`Maintainer`, package.json `author`,
//! Cargo `authors`), else the owner of the source repository it declares
//! ([`source_owner`]), else the namespace of the registry it was published
//! under ([`registry`]). `NOASSERTION` is never used: SPDX allows it, but an
//! SBOM with it does not meet the NTIA minimum elements. docs/supply-chain.md
//! lists the rule of each ecosystem.

/// Person or organization (SPDX actor types other than `Tool`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `Person: …`.
    Person,
    /// `Organization: …`.
    Organization,
}

/// One contact: a name and maybe an e-mail address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contact {
    /// Display name (may be empty when only an address was given).
    pub name: String,
    /// E-mail address, without angle brackets.
    pub email: Option<String>,
}

/// Keeps an actor's text parseable: SPDX reads `Name (email)`, so parentheses
/// and line breaks in a name would be taken for an address.
fn clean(s: &str) -> String {
    let mapped: String = s
        .chars()
        .map(|c| match c {
            '(' => '[',
            ')' => ']',
            c if c.is_control() => ' ',
            c => c,
        })
        .collect();
    mapped.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// An SPDX actor string, `Person: Name (email)` / `Organization: Name`; `None`
/// when there is neither a name nor an address.
pub fn actor(kind: Kind, name: &str, email: Option<&str>) -> Option<String> {
    // Only an address goes in the parentheses (Cargo `authors` sometimes hold a URL there).
    let email = email.map(clean).filter(|e| e.contains('@') && !e.contains(' '));
    let mut name = clean(name);
    if name.is_empty() {
        // Only an address: the part before `@` names its owner.
        name = email.as_deref()?.split('@').next().unwrap_or_default().to_string();
    }
    if name.is_empty() {
        return None;
    }
    let prefix = match kind {
        Kind::Person => "Person",
        Kind::Organization => "Organization",
    };
    Some(match email {
        Some(e) => format!("{prefix}: {name} ({e})"),
        None => format!("{prefix}: {name}"),
    })
}

/// Words that make a maintainer or author a group rather than one person
/// (`Debian GCC Maintainers`, `Debian OpenSSL Team`, `The Go Authors`).
const GROUP_WORDS: &[&str] = &[
    "team",
    "maintainers",
    "developers",
    "authors",
    "contributors",
    "project",
    "group",
    "packagers",
    "community",
    "foundation",
    "organization",
    "software",
    "labs",
    "company",
    "corporation",
    "corp",
    "inc",
    "inc.",
    "ltd",
    "llc",
    "gmbh",
];

/// Whether a contact is a group: a group word in the name, or a mailing-list
/// or team address (`@lists.…`, `…-lists.…`, `team+…@`).
pub fn is_group(c: &Contact) -> bool {
    let words = c
        .name
        .split(|ch: char| !ch.is_alphanumeric() && ch != '.')
        .map(str::to_ascii_lowercase);
    if words.into_iter().any(|w| GROUP_WORDS.contains(&w.as_str())) {
        return true;
    }
    // One word that is the name of the mail domain (`Pallets <contact@palletsprojects.com>`).
    let squashed: String = c.name.chars().filter(|ch| ch.is_alphanumeric()).collect::<String>().to_lowercase();
    c.email.as_deref().is_some_and(|e| {
        let e = e.to_ascii_lowercase();
        let (local, domain) = e.split_once('@').unwrap_or((&e, ""));
        domain.starts_with("lists.")
            || domain.contains("-lists.")
            || local.starts_with("team+")
            || (!c.name.trim().contains(' ') && squashed.len() >= 3 && domain.contains(&squashed))
    })
}

/// The actor of one contact: `Organization` for a group, else `Person`.
pub fn contact_actor(c: &Contact) -> Option<String> {
    let kind = if is_group(c) {
        Kind::Organization
    } else {
        Kind::Person
    };
    actor(kind, &c.name, c.email.as_deref())
}

/// Splits an address list (`A <a@x>, "B, C" <b@y>, c@z`, RFC 822 style as core
/// metadata and dpkg write it; also npm's `Name <email> (url)`) into contacts.
pub fn parse_contacts(text: &str) -> Vec<Contact> {
    let mut parts: Vec<String> = Vec::new();
    let (mut cur, mut quoted, mut angle) = (String::new(), false, false);
    for ch in text.chars() {
        match ch {
            '"' => quoted = !quoted,
            '<' if !quoted => {
                angle = true;
                cur.push(ch);
            }
            '>' if !quoted => {
                angle = false;
                cur.push(ch);
            }
            ',' if !quoted && !angle => parts.push(std::mem::take(&mut cur)),
            _ => cur.push(ch),
        }
    }
    parts.push(cur);
    parts
        .iter()
        .filter_map(|p| {
            // npm's `(url)` part is not a name.
            let p = match (p.find('('), p.rfind(')')) {
                (Some(a), Some(b)) if a < b => format!("{}{}", &p[..a], &p[b + 1..]),
                _ => p.clone(),
            };
            let p = p.trim();
            if p.is_empty() {
                return None;
            }
            let (name, email) = match (p.find('<'), p.rfind('>')) {
                (Some(a), Some(b)) if a < b => (p[..a].trim().to_string(), Some(p[a + 1..b].trim().to_string())),
                _ if p.contains('@') && !p.contains(' ') => (String::new(), Some(p.to_string())),
                _ => (p.to_string(), None),
            };
            let email = email.filter(|e| !e.is_empty());
            (!name.is_empty() || email.is_some()).then_some(Contact { name, email })
        })
        .collect()
}

/// Hosts where the first path segment is the owner of a repository.
const FORGES: &[&str] = &[
    "github.com",
    "gitlab.com",
    "bitbucket.org",
    "codeberg.org",
    "gitea.com",
    "git.sr.ht",
    "sr.ht",
];

/// `Organization: <host>/<owner>` for a repository URL on a forge
/// (`https://github.com/PyO3/pyo3` → `github.com/PyO3`), `Organization:
/// <host>` for any other web address (`https://www.sqlalchemy.org` →
/// `sqlalchemy.org`); `None` for what is not an http(s) or git URL.
pub fn source_owner(url: &str) -> Option<String> {
    let url = url.trim();
    let rest = ["git+https://", "git+ssh://git@", "https://", "http://", "git://", "ssh://git@"]
        .iter()
        .find_map(|p| url.strip_prefix(p))?;
    let mut segs = rest.split(['/', '?', '#']).filter(|s| !s.is_empty());
    let host = segs.next()?.rsplit('@').next()?.split(':').next()?.to_ascii_lowercase();
    let host = host.strip_prefix("www.").unwrap_or(&host).to_string();
    if host.is_empty() || !host.contains('.') {
        return None;
    }
    if FORGES.contains(&host.as_str()) {
        let owner = segs.next().map(|o| o.trim_end_matches(".git"))?;
        return actor(Kind::Organization, &format!("{host}/{owner}"), None);
    }
    actor(Kind::Organization, &host, None)
}

/// `Organization: <namespace>` for the registry namespace a package was
/// published under (`pypi.org/project/six`, `crates.io/crates/libc`).
pub fn registry(namespace: &str) -> String {
    actor(Kind::Organization, namespace, None).unwrap_or_else(|| "Organization: unknown registry".to_string())
}

/// The owner of a Go module from its path: `github.com/go-logr/logr` →
/// `github.com/go-logr`, `golang.org/x/net` → `golang.org/x`, any other
/// host (a vanity import path names its owner's domain) → the host.
pub fn go_module_owner(path: &str) -> String {
    let mut segs = path.split('/');
    let host = segs.next().unwrap_or_default();
    let owner = segs.next();
    let name = match owner {
        Some(o) if FORGES.contains(&host) || host == "golang.org" => format!("{host}/{o}"),
        // gopkg.in/<owner>/<pkg>.vN (gopkg.in/<pkg>.vN is github.com/go-<pkg>/<pkg>).
        Some(o) if host == "gopkg.in" && segs.next().is_some() => format!("{host}/{o}"),
        _ => host.to_string(),
    };
    registry(&name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contacts_from_address_lists() {
        let c = parse_contacts(
            "Samuel Colvin <s@muelcolvin.com>, \"Guido van Rossum, Jukka Lehtosalo\" <l@g.com>, njs@pobox.com",
        );
        assert_eq!(c.len(), 3);
        assert_eq!(c[0].name, "Samuel Colvin");
        assert_eq!(c[1].name, "Guido van Rossum, Jukka Lehtosalo");
        assert_eq!(c[1].email.as_deref(), Some("l@g.com"));
        assert_eq!((c[2].name.as_str(), c[2].email.as_deref()), ("", Some("njs@pobox.com")));
        let npm = parse_contacts("Barney Rubble <b@rubble.com> (http://barnyrubble.tumblr.com/)");
        assert_eq!(npm[0].name, "Barney Rubble");
        assert!(parse_contacts("  ,  ").is_empty());
    }

    #[test]
    fn groups_are_organizations() {
        let team = &parse_contacts("Debian OpenSSL Team <pkg-openssl-devel@alioth-lists.debian.net>")[0];
        assert_eq!(
            contact_actor(team).unwrap(),
            "Organization: Debian OpenSSL Team (pkg-openssl-devel@alioth-lists.debian.net)"
        );
        let list = &parse_contacts("GNU Libc Maintainers <debian-glibc@lists.debian.org>")[0];
        assert!(is_group(list));
        let rpm = &parse_contacts("RPM packaging team <team+pkg-rpm@tracker.debian.org>")[0];
        assert!(is_group(rpm));
        let person = &parse_contacts("Marco d'Itri <md@linux.it>")[0];
        assert_eq!(contact_actor(person).unwrap(), "Person: Marco d'Itri (md@linux.it)");
        let only_mail = &parse_contacts("njs@pobox.com")[0];
        assert_eq!(contact_actor(only_mail).unwrap(), "Person: njs (njs@pobox.com)");
        assert_eq!(actor(Kind::Person, "A (B)\nC", None).unwrap(), "Person: A [B] C");
        assert_eq!(actor(Kind::Person, " ", None), None);
        let pallets = &parse_contacts("Pallets <contact@palletsprojects.com>")[0];
        assert_eq!(contact_actor(pallets).unwrap(), "Organization: Pallets (contact@palletsprojects.com)");
        let pyo3 = &parse_contacts("PyO3 Project and Contributors <https://github.com/PyO3>")[0];
        assert_eq!(
            contact_actor(pyo3).unwrap(),
            "Organization: PyO3 Project and Contributors",
            "a URL is not an address"
        );
    }

    #[test]
    fn owners_of_urls_and_module_paths() {
        assert_eq!(
            source_owner("https://github.com/PyO3/pyo3").as_deref(),
            Some("Organization: github.com/PyO3")
        );
        assert_eq!(
            source_owner("git+https://github.com/facebook/react.git").as_deref(),
            Some("Organization: github.com/facebook")
        );
        assert_eq!(
            source_owner("git+ssh://git@github.com/remix-run/react-router.git").as_deref(),
            Some("Organization: github.com/remix-run")
        );
        assert_eq!(
            source_owner("https://www.sqlalchemy.org").as_deref(),
            Some("Organization: sqlalchemy.org")
        );
        assert_eq!(source_owner("https://github.com/"), None, "a forge without an owner");
        assert_eq!(source_owner("UNKNOWN"), None);
        assert_eq!(go_module_owner("github.com/go-logr/logr"), "Organization: github.com/go-logr");
        assert_eq!(go_module_owner("golang.org/x/net"), "Organization: golang.org/x");
        assert_eq!(go_module_owner("sigs.k8s.io/controller-runtime"), "Organization: sigs.k8s.io");
        assert_eq!(go_module_owner("gopkg.in/yaml.v3"), "Organization: gopkg.in");
        assert_eq!(go_module_owner("gopkg.in/evanphx/json-patch.v4"), "Organization: gopkg.in/evanphx");
        assert_eq!(registry("pypi.org/project/six"), "Organization: pypi.org/project/six");
    }
}
