//! TLS to the database server, read from the URL's `sslmode` and `sslrootcert` as `psql` and
//! every libpq program read them, so that the URL an administrator already uses works here too.
//!
//! | `sslmode` | encrypted | the server's certificate |
//! |---|---|---|
//! | `disable` | no | not asked for |
//! | `allow`, `prefer` (the default) | if the server offers it | not checked, unless `sslrootcert` is given |
//! | `require` | always | not checked, unless `sslrootcert` is given |
//! | `verify-ca` | always | signed by `sslrootcert`'s authorities (or the system's) |
//! | `verify-full` | always | as `verify-ca`, and issued for the host connected to |
//!
//! An unchecked certificate keeps the traffic from being read on the way, not from going to an
//! impostor: across a network an administrator should give `sslmode=verify-full` (and
//! `sslrootcert=` the file of the authority that signed the server's certificate, as managed
//! services publish it). Where libpq would read `~/.postgresql/root.crt` unasked, habeas reads
//! only what the URL names (docs/decisions.md).
//!
//! A server that wants a certificate from its clients (`hostssl ... cert` in `pg_hba.conf`, as
//! some managed services ask) gets the one of `sslcert`, proved with the key of `sslkey`: both
//! PEM files, given together. As with `sslrootcert`, habeas does not look for
//! `~/.postgresql/postgresql.crt` unasked.
//!
//! The `postgres` crate knows `disable`, `prefer` and `require` and none of the files; this
//! module takes them out of the URL, gives the crate the mode it knows, and makes the
//! certificate check itself (rustls, with ring's cryptography).

use std::sync::Arc;

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};
use tokio_postgres_rustls::MakeRustlsConnect;

use crate::error::{Result, StoreError};

/// How the server's certificate is checked.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Check {
    /// Not at all: the connection is encrypted, the server not identified.
    None,
    /// Signed by a trusted authority (`verify-ca`).
    Authority,
    /// Signed by a trusted authority and issued for the host (`verify-full`).
    Full,
}

/// What a database URL asks of TLS.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Asked {
    /// The URL as the `postgres` crate reads it: `sslrootcert` taken out, `sslmode` one it knows.
    pub url: String,
    check: Check,
    /// The file of trusted authorities (`sslrootcert`), PEM.
    root: Option<String>,
    /// The client's certificate and its key (`sslcert`, `sslkey`), PEM files.
    client: Option<(String, String)>,
}

impl Asked {
    /// Reads `sslmode`, `sslrootcert`, `sslcert` and `sslkey` of `url`; any other parameter is
    /// left to the `postgres` crate, which refuses those it does not know.
    pub fn of(url: &str) -> Result<Asked> {
        let (base, query) = url.split_once('?').unwrap_or((url, ""));
        let (mut mode, mut root, mut kept) = (None, None, Vec::new());
        let (mut cert, mut key_file) = (None, None);
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            match key {
                "sslmode" => mode = Some(value.to_string()),
                "sslrootcert" => root = Some(percent_decoded(key, value)?),
                "sslcert" => cert = Some(percent_decoded(key, value)?),
                "sslkey" => key_file = Some(percent_decoded(key, value)?),
                _ => kept.push(pair),
            }
        }
        let client = match (cert, key_file) {
            (None, None) => None,
            (Some(cert), Some(key)) => Some((cert, key)),
            (Some(_), None) => {
                return Err(StoreError::Unreachable(
                    "sslcert in the database URL without sslkey: give the file of the certificate's private key too".into(),
                ));
            }
            (None, Some(_)) => {
                return Err(StoreError::Unreachable(
                    "sslkey in the database URL without sslcert: give the file of the client certificate too"
                        .into(),
                ));
            }
        };
        let (given, check) = match mode.as_deref() {
            None => (None, if root.is_some() { Check::Authority } else { Check::None }),
            Some("disable") => (Some("disable"), Check::None),
            Some("allow" | "prefer") => {
                (Some("prefer"), if root.is_some() { Check::Authority } else { Check::None })
            }
            Some("require") => (Some("require"), if root.is_some() { Check::Authority } else { Check::None }),
            Some("verify-ca") => (Some("require"), Check::Authority),
            Some("verify-full") => (Some("require"), Check::Full),
            Some(other) => {
                return Err(StoreError::Unreachable(format!(
                    "sslmode={other} in the database URL is not a mode; give disable, allow, prefer, require, verify-ca or verify-full"
                )));
            }
        };
        let given = given.map(|mode| format!("sslmode={mode}"));
        kept.extend(given.as_deref());
        let url = if kept.is_empty() { base.to_string() } else { format!("{base}?{}", kept.join("&")) };
        Ok(Asked { url, check, root, client })
    }

    /// The connector that makes TLS connections as asked.
    pub fn connector(&self) -> Result<MakeRustlsConnect> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let builder = ClientConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .map_err(|e| StoreError::Unreachable(format!("TLS: {e}")))?;
        let authorities = match self.check {
            Check::None => None,
            Check::Authority | Check::Full => Some(
                WebPkiServerVerifier::builder_with_provider(Arc::new(self.roots()?), provider.clone())
                    .build()
                    .map_err(|e| StoreError::Unreachable(format!("TLS: {e}")))?,
            ),
        };
        let verifier = Verifier { provider, authorities, names: self.check == Check::Full };
        let builder = builder.dangerous().with_custom_certificate_verifier(Arc::new(verifier));
        let config = match &self.client {
            None => builder.with_no_client_auth(),
            Some((cert, key)) => {
                let chain = CertificateDer::pem_file_iter(cert)
                    .and_then(|certs| certs.collect::<std::result::Result<Vec<_>, _>>())
                    .map_err(|e| {
                        StoreError::Unreachable(format!(
                            "sslcert={cert}: not a file of PEM certificates: {e}"
                        ))
                    })?;
                if chain.is_empty() {
                    return Err(StoreError::Unreachable(format!("sslcert={cert}: no certificate in it")));
                }
                let private = PrivateKeyDer::from_pem_file(key).map_err(|e| {
                    StoreError::Unreachable(format!("sslkey={key}: not a PEM file of a private key: {e}"))
                })?;
                builder
                    .with_client_auth_cert(chain, private)
                    .map_err(|e| StoreError::Unreachable(format!("sslcert={cert}, sslkey={key}: {e}")))?
            }
        };
        Ok(MakeRustlsConnect::new(config))
    }

    /// The authorities trusted: those of `sslrootcert`, or else the system's.
    fn roots(&self) -> Result<RootCertStore> {
        let mut roots = RootCertStore::empty();
        let certificates: Vec<CertificateDer<'static>> = match &self.root {
            Some(path) => CertificateDer::pem_file_iter(path)
                .and_then(|certs| certs.collect::<std::result::Result<_, _>>())
                .map_err(|e| {
                    StoreError::Unreachable(format!(
                        "sslrootcert={path}: not a file of PEM certificates: {e}"
                    ))
                })?,
            None => {
                let found = rustls_native_certs::load_native_certs();
                if found.certs.is_empty() {
                    let why = found.errors.first().map(|e| format!(": {e}")).unwrap_or_default();
                    return Err(StoreError::Unreachable(format!(
                        "no certificate authorities found on this system to check the database server's certificate{why}; give sslrootcert= in the URL"
                    )));
                }
                found.certs
            }
        };
        let (added, _) = roots.add_parsable_certificates(certificates);
        if added == 0 {
            let source = self.root.as_deref().unwrap_or("the system's certificate store");
            return Err(StoreError::Unreachable(format!("{source}: no certificate in it could be read")));
        }
        Ok(roots)
    }
}

/// `%2F` and the like in a URL's parameter `name`, as the text they stand for.
fn percent_decoded(name: &str, value: &str) -> Result<String> {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut at = 0;
    while at < bytes.len() {
        if bytes[at] == b'%' {
            let hex = value.get(at + 1..at + 3).and_then(|h| u8::from_str_radix(h, 16).ok());
            let Some(byte) = hex else {
                return Err(StoreError::Unreachable(format!(
                    "{name}={value}: a % not followed by two hex digits"
                )));
            };
            out.push(byte);
            at += 3;
        } else {
            out.push(bytes[at]);
            at += 1;
        }
    }
    String::from_utf8(out)
        .map_err(|_| StoreError::Unreachable(format!("{name}={value}: not UTF-8 once decoded")))
}

/// The server's certificate checked as the mode asks: by no one (libpq's `require`), by the
/// trusted authorities whatever host it names (`verify-ca`), or by them and for the host
/// (`verify-full`). In every mode the handshake's signatures are checked, so the server must
/// hold the key of the certificate it shows.
#[derive(Debug)]
struct Verifier {
    provider: Arc<CryptoProvider>,
    /// `None`: any certificate is taken.
    authorities: Option<Arc<WebPkiServerVerifier>>,
    /// Whether the certificate must name the host connected to.
    names: bool,
}

impl ServerCertVerifier for Verifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp: &[u8],
        now: UnixTime,
    ) -> std::result::Result<ServerCertVerified, rustls::Error> {
        let Some(authorities) = &self.authorities else { return Ok(ServerCertVerified::assertion()) };
        match authorities.verify_server_cert(end_entity, intermediates, server_name, ocsp, now) {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) if !self.names => Ok(ServerCertVerified::assertion()),
            checked => checked,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider.signature_verification_algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_modes_the_postgres_crate_does_not_know_are_read_here() {
        let cases = [
            ("postgres://a@h/db", "postgres://a@h/db", Check::None, None),
            ("postgres://a@h/db?sslmode=disable", "postgres://a@h/db?sslmode=disable", Check::None, None),
            ("postgres://a@h/db?sslmode=allow", "postgres://a@h/db?sslmode=prefer", Check::None, None),
            ("postgres://a@h/db?sslmode=require", "postgres://a@h/db?sslmode=require", Check::None, None),
            (
                "postgres://a@h/db?sslmode=require&sslrootcert=%2Fetc%2Fca.pem",
                "postgres://a@h/db?sslmode=require",
                Check::Authority,
                Some("/etc/ca.pem"),
            ),
            (
                "postgres://a@h/db?application_name=x&sslmode=verify-ca",
                "postgres://a@h/db?application_name=x&sslmode=require",
                Check::Authority,
                None,
            ),
            (
                "postgres://a@h/db?sslrootcert=ca.pem&sslmode=verify-full&connect_timeout=5",
                "postgres://a@h/db?connect_timeout=5&sslmode=require",
                Check::Full,
                Some("ca.pem"),
            ),
        ];
        for (url, passed, check, root) in cases {
            let asked = Asked::of(url).unwrap();
            assert_eq!(
                asked,
                Asked { url: passed.into(), check, root: root.map(Into::into), client: None },
                "{url}"
            );
        }
        // A client certificate and its key, taken out of the URL with the rest.
        let asked =
            Asked::of("postgres://a@h/db?sslcert=%2Fkeys%2Fme.pem&sslmode=require&sslkey=me.key").unwrap();
        assert_eq!(asked.url, "postgres://a@h/db?sslmode=require");
        assert_eq!(asked.client, Some(("/keys/me.pem".into(), "me.key".into())));
    }

    #[test]
    fn a_client_certificate_comes_with_its_key_and_files_that_do_not_read_are_named() {
        let error = Asked::of("postgres://a@h/db?sslcert=me.pem").unwrap_err().to_string();
        assert!(error.contains("sslcert in the database URL without sslkey"), "{error}");
        let error = Asked::of("postgres://a@h/db?sslkey=me.key").unwrap_err().to_string();
        assert!(error.contains("sslkey in the database URL without sslcert"), "{error}");
        let error = Asked::of("postgres://a@h/db?sslkey=%zz&sslcert=me.pem").unwrap_err().to_string();
        assert!(error.contains("sslkey=%zz"), "{error}");

        let dir = tempfile::tempdir().unwrap();
        let tls = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/test-tls");
        let (cert, key) = (tls.join("client.pem"), tls.join("client.key"));
        let junk = dir.path().join("junk.pem");
        std::fs::write(&junk, "not PEM").unwrap();
        let missing = dir.path().join("missing.pem");
        let connector = |cert: &std::path::Path, key: &std::path::Path| {
            let url = format!(
                "postgres://a@h/db?sslmode=require&sslcert={}&sslkey={}",
                cert.display(),
                key.display()
            );
            Asked::of(&url).unwrap().connector().err().map(|e| e.to_string())
        };
        assert_eq!(connector(&cert, &key), None, "the test certificate and key make a connector");
        for (bad_cert, bad_key, named) in [
            (&junk, &key, format!("sslcert={}", junk.display())),
            (&missing, &key, format!("sslcert={}", missing.display())),
            (&cert, &junk, format!("sslkey={}", junk.display())),
            (&cert, &missing, format!("sslkey={}", missing.display())),
            // A key that is not the certificate's own.
            (&cert, &tls.join("stranger.key"), "sslcert=".to_string()),
        ] {
            let error = connector(bad_cert, bad_key).expect("refused");
            assert!(error.contains(&named), "{error}");
        }
    }

    #[test]
    fn a_mode_that_is_none_and_a_certificate_file_that_does_not_read_are_refused_by_name() {
        let error = Asked::of("postgres://a@h/db?sslmode=verify").unwrap_err().to_string();
        assert!(error.contains("sslmode=verify in the database URL is not a mode"), "{error}");
        let error = Asked::of("postgres://a@h/db?sslrootcert=%2").unwrap_err().to_string();
        assert!(error.contains("sslrootcert=%2"), "{error}");

        let dir = tempfile::tempdir().unwrap();
        let not_pem = dir.path().join("ca.pem");
        std::fs::write(&not_pem, "not a certificate").unwrap();
        for path in [not_pem.display().to_string(), dir.path().join("missing.pem").display().to_string()] {
            let asked =
                Asked::of(&format!("postgres://a@h/db?sslmode=verify-full&sslrootcert={path}")).unwrap();
            let error = asked.connector().err().expect("refused").to_string();
            assert!(error.contains(&path), "{error}");
        }
    }
}
