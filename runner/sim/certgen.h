#pragma once
// Throwaway X.509 certificates for TLS on loopback: the simulator's default certificate, and
// the certificates tests use to prove that a client refuses a certificate from another CA or
// for another host name.
//
// Contract: every function returns PEM text (never files); keys are EC P-256, signatures
// ECDSA-SHA256. A bundle is a fresh CA (CA:TRUE, keyCertSign) plus a leaf it signed (CA:FALSE,
// serverAuth, subjectAltName from `dns` and `ips`, CN = the first name). A client that trusts
// `ca_pem` accepts `cert_pem` for exactly those names. Validity starts one hour in the past
// (tolerates small clock differences) and lasts `days`. Serial numbers are random.
// Errors (bad IP text, OpenSSL failure) throw std::runtime_error with OpenSSL's reason.
// Thread-safety: pure functions; safe from any thread.
#include <string>
#include <vector>

namespace qbi::sim {

struct CertBundle {
    std::string ca_pem;      // the CA certificate: what a client trusts
    std::string ca_key_pem;  // the CA's private key (PKCS#8): to sign more leaves
    std::string cert_pem;    // the leaf certificate the server presents
    std::string key_pem;     // the leaf's private key (PKCS#8)
};

// A new CA and a leaf for `dns` names and `ips` (e.g. {"localhost"}, {"127.0.0.1"}).
// At least one name is required.
CertBundle generate_cert_bundle(const std::vector<std::string>& dns,
                                const std::vector<std::string>& ips, int days = 7);

// A leaf for `dns`/`ips` signed by an existing CA (`ca.ca_pem`, `ca.ca_key_pem`). The result
// carries the same CA and the new leaf: e.g. a certificate for "other.example" that the
// client trusts as a chain but must refuse for 127.0.0.1.
CertBundle sign_leaf(const CertBundle& ca, const std::vector<std::string>& dns,
                     const std::vector<std::string>& ips, int days = 7);

// The default for qbi-sim: a leaf for DNS:localhost and IP:127.0.0.1.
inline CertBundle generate_loopback_bundle(int days = 7) {
    return generate_cert_bundle({"localhost"}, {"127.0.0.1"}, days);
}

}  // namespace qbi::sim
