//! RFC 9449 DPoP proofs for AWS Sign-In: an ES256 JWT (`typ: dpop+jwt`, the public key as a
//! JWK in its header; `jti`, `htm`, `htu`, `iat` in its body) signed with the P-256 key the
//! sign-in keeps in its token file as SEC1 PEM (`-----BEGIN EC PRIVATE KEY-----`, the form
//! the AWS CLI writes and reads). ring does the curve arithmetic; the DER here is the one
//! fixed structure of RFC 5915.

use ring::rand::{SecureRandom, SystemRandom};
use ring::signature::{EcdsaKeyPair, KeyPair, ECDSA_P256_SHA256_FIXED_SIGNING};

use crate::domain::sso::base64url;

/// prime256v1 (1.2.840.10045.3.1.7), DER-encoded.
const P256_OID: &[u8] = &[0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];

#[derive(Debug)]
pub struct DpopKey {
    pair: EcdsaKeyPair,
}

/// One DER element: its tag, its contents and what follows it.
fn element(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = input.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = match first {
        n if n < 0x80 => (usize::from(n), rest),
        0x81 => (usize::from(*rest.first()?), &rest[1..]),
        0x82 => (
            usize::from(*rest.first()?) << 8 | usize::from(*rest.get(1)?),
            &rest[2..],
        ),
        _ => return None,
    };
    (rest.len() >= len).then(|| (tag, &rest[..len], &rest[len..]))
}

/// The private scalar and the uncompressed public point of an RFC 5915 `ECPrivateKey`.
fn sec1_parts(der: &[u8]) -> Result<([u8; 32], Vec<u8>), String> {
    let bad = || "the DPoP key is not a P-256 EC private key".to_string();
    let (0x30, body, _) = element(der).ok_or_else(bad)? else {
        return Err(bad());
    };
    let (0x02, [1], rest) = element(body).ok_or_else(bad)? else {
        return Err(bad());
    };
    let (0x04, private, mut rest) = element(rest).ok_or_else(bad)? else {
        return Err(bad());
    };
    if private.len() > 32 {
        return Err(bad());
    }
    let mut scalar = [0u8; 32];
    scalar[32 - private.len()..].copy_from_slice(private);
    let mut public = None;
    while !rest.is_empty() {
        let (tag, inner, after) = element(rest).ok_or_else(bad)?;
        match tag {
            0xa0 if inner != P256_OID => return Err(bad()),
            0xa1 => match element(inner) {
                Some((0x03, [0, point @ ..], _)) => public = Some(point.to_vec()),
                _ => return Err(bad()),
            },
            _ => {}
        }
        rest = after;
    }
    let public = public
        .ok_or_else(|| "the DPoP key has no public key in its file; sign in again".to_string())?;
    Ok((scalar, public))
}

/// The bytes of a PEM block (any label), or why not.
fn pem_bytes(pem: &str) -> Result<Vec<u8>, String> {
    let body: String = pem
        .lines()
        .map(str::trim)
        .filter(|l| !l.starts_with("-----"))
        .collect();
    aws_smithy_types::base64::decode(body)
        .map_err(|_| "the DPoP key is not PEM (base64 between BEGIN and END lines)".to_string())
}

impl DpopKey {
    /// The key of a sign-in token file: SEC1 PEM, or PKCS#8 PEM (`BEGIN PRIVATE KEY`).
    pub fn from_pem(pem: &str) -> Result<Self, String> {
        let der = pem_bytes(pem)?;
        let rng = SystemRandom::new();
        let alg = &ECDSA_P256_SHA256_FIXED_SIGNING;
        let pair = if pem.contains("BEGIN PRIVATE KEY") {
            EcdsaKeyPair::from_pkcs8(alg, &der, &rng).map_err(|e| format!("the DPoP key: {e}"))?
        } else {
            let (scalar, public) = sec1_parts(&der)?;
            EcdsaKeyPair::from_private_key_and_public_key(alg, &scalar, &public, &rng)
                .map_err(|e| format!("the DPoP key: {e}"))?
        };
        Ok(Self { pair })
    }

    /// A new key, and its SEC1 PEM for the token file.
    pub fn generate() -> Result<(Self, String), String> {
        let rng = SystemRandom::new();
        let alg = &ECDSA_P256_SHA256_FIXED_SIGNING;
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(alg, &rng).map_err(|e| e.to_string())?;
        let pair =
            EcdsaKeyPair::from_pkcs8(alg, pkcs8.as_ref(), &rng).map_err(|e| e.to_string())?;
        // ring's PKCS#8 holds an ECPrivateKey: version 1, then the 32-byte scalar.
        let doc = pkcs8.as_ref();
        let at = doc
            .windows(5)
            .position(|w| w == [0x02, 0x01, 0x01, 0x04, 0x20])
            .ok_or("ring's key document has no private key")?;
        let scalar = &doc[at + 5..at + 37];
        let pem = sec1_pem(scalar, pair.public_key().as_ref());
        Ok((Self { pair }, pem))
    }

    /// `DPoP: <header>.<payload>.<signature>` for a request of `method` to `url` at `now`.
    pub fn proof(&self, method: &str, url: &str, now: i64) -> Result<String, String> {
        let point = self.pair.public_key().as_ref();
        let (x, y) = (&point[1..33], &point[33..65]);
        let header = serde_json::json!({
            "typ": "dpop+jwt",
            "alg": "ES256",
            "jwk": {"kty": "EC", "x": base64url(x), "y": base64url(y), "crv": "P-256"},
        });
        let rng = SystemRandom::new();
        let mut id = [0u8; 16];
        rng.fill(&mut id)
            .map_err(|_| "no random bytes for a DPoP proof")?;
        let payload = serde_json::json!({
            "jti": uuid_v4(id),
            "htm": method,
            "htu": url,
            "iat": now,
        });
        let message = format!(
            "{}.{}",
            base64url(header.to_string().as_bytes()),
            base64url(payload.to_string().as_bytes())
        );
        let signature = self
            .pair
            .sign(&rng, message.as_bytes())
            .map_err(|_| "cannot sign a DPoP proof")?;
        Ok(format!("{message}.{}", base64url(signature.as_ref())))
    }
}

/// A version 4 UUID's text from 16 random bytes.
fn uuid_v4(mut b: [u8; 16]) -> String {
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

/// RFC 5915 `ECPrivateKey` of a P-256 key as PEM, with the curve and the public key (what the
/// AWS CLI writes, and what ring needs to load it back).
fn sec1_pem(scalar: &[u8], public: &[u8]) -> String {
    let mut der = vec![0x30, 0x77, 0x02, 0x01, 0x01, 0x04, 0x20];
    der.extend_from_slice(scalar);
    der.extend_from_slice(&[0xa0, 0x0a]);
    der.extend_from_slice(P256_OID);
    der.extend_from_slice(&[0xa1, 0x44, 0x03, 0x42, 0x00]);
    der.extend_from_slice(public);
    let text = aws_smithy_types::base64::encode(&der);
    let mut pem = String::from("-----BEGIN EC PRIVATE KEY-----\n");
    for line in text.as_bytes().chunks(64) {
        pem.push_str(&String::from_utf8_lossy(line));
        pem.push('\n');
    }
    pem.push_str("-----END EC PRIVATE KEY-----\n");
    pem
}

#[cfg(test)]
mod tests {
    use super::*;

    /// aws-config's test key; its public point is known.
    const KEY: &str = "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIBMB/RwQERsVoqWRQG4zK8CnaAa5dfrpbm+9tFdBh3z4oAoGCCqGSM49\nAwEHoUQDQgAEWb1VLi1EA2hJaTz4yYuxSELvY+1GAfL+8rUTCAdiFid87Bf6GY+s\n2+1RpqDv0RpZiDIMCrZrsAh+RK9S3QCaGA==\n-----END EC PRIVATE KEY-----\n";

    fn part(jwt: &str, i: usize) -> serde_json::Value {
        let p = jwt.split('.').nth(i).unwrap();
        let mut b64 = p.replace('-', "+").replace('_', "/");
        while !b64.len().is_multiple_of(4) {
            b64.push('=');
        }
        serde_json::from_slice(&aws_smithy_types::base64::decode(b64).unwrap()).unwrap()
    }

    #[test]
    fn a_proof_carries_the_public_key_and_verifies() {
        let key = DpopKey::from_pem(KEY).unwrap();
        let jwt = key
            .proof("POST", "https://x/v1/token", 1_651_516_560)
            .unwrap();
        let header = part(&jwt, 0);
        assert_eq!(
            header["jwk"]["x"],
            "Wb1VLi1EA2hJaTz4yYuxSELvY-1GAfL-8rUTCAdiFic"
        );
        assert_eq!(
            header["jwk"]["y"],
            "fOwX-hmPrNvtUaag79EaWYgyDAq2a7AIfkSvUt0Amhg"
        );
        assert_eq!(header["alg"], "ES256");
        let payload = part(&jwt, 1);
        assert_eq!(payload["htu"], "https://x/v1/token");
        assert_eq!(payload["iat"], 1_651_516_560);
        assert_eq!(payload["jti"].as_str().unwrap().len(), 36);
        let (message, signature) = jwt.rsplit_once('.').unwrap();
        let mut b64 = signature.replace('-', "+").replace('_', "/");
        while !b64.len().is_multiple_of(4) {
            b64.push('=');
        }
        let sig = aws_smithy_types::base64::decode(b64).unwrap();
        let public = ring::signature::UnparsedPublicKey::new(
            &ring::signature::ECDSA_P256_SHA256_FIXED,
            key.pair.public_key().as_ref(),
        );
        public.verify(message.as_bytes(), &sig).unwrap();
    }

    #[test]
    fn a_generated_key_round_trips_through_its_pem() {
        let (key, pem) = DpopKey::generate().unwrap();
        assert!(pem.starts_with("-----BEGIN EC PRIVATE KEY-----\nMHcCAQEE"));
        let again = DpopKey::from_pem(&pem).unwrap();
        assert_eq!(
            key.pair.public_key().as_ref(),
            again.pair.public_key().as_ref()
        );
    }

    #[test]
    fn keys_that_are_not_p256_with_a_public_half_are_refused() {
        assert!(DpopKey::from_pem("nonsense").is_err());
        // The same key without its [1] public key.
        let der = pem_bytes(KEY).unwrap();
        let mut short = der[..der.len() - 70].to_vec();
        short[1] = (short.len() - 2) as u8;
        let e = sec1_parts(&short).unwrap_err();
        assert!(e.contains("no public key"), "{e}");
    }
}
