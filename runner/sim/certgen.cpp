#include "runner/sim/certgen.h"

#include <arpa/inet.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>
#include <stdexcept>

namespace qbi::sim {

namespace {

struct Free {
    void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
    void operator()(X509* p) const { X509_free(p); }
    void operator()(BIO* p) const { BIO_free(p); }
    void operator()(X509_EXTENSION* p) const { X509_EXTENSION_free(p); }
    void operator()(BIGNUM* p) const { BN_free(p); }
};
using KeyPtr = std::unique_ptr<EVP_PKEY, Free>;
using CertPtr = std::unique_ptr<X509, Free>;
using BioPtr = std::unique_ptr<BIO, Free>;

[[noreturn]] void fail(const std::string& what) {
    std::string reason;
    if (unsigned long e = ERR_get_error(); e != 0) {
        char buf[256];
        ERR_error_string_n(e, buf, sizeof buf);
        reason = std::string(": ") + buf;
    }
    ERR_clear_error();
    throw std::runtime_error("certificate generation: " + what + reason);
}

void check(int rc, const char* what) {
    if (rc <= 0) fail(what);
}

KeyPtr new_key() {
    KeyPtr key(EVP_EC_gen("P-256"));
    if (!key) fail("EC P-256 key generation failed");
    return key;
}

std::string key_to_pem(EVP_PKEY* key) {
    BioPtr bio(BIO_new(BIO_s_mem()));
    check(PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr),
          "writing the private key");
    char* data = nullptr;
    long len = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<std::size_t>(len));
}

std::string cert_to_pem(X509* cert) {
    BioPtr bio(BIO_new(BIO_s_mem()));
    check(PEM_write_bio_X509(bio.get(), cert), "writing the certificate");
    char* data = nullptr;
    long len = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<std::size_t>(len));
}

KeyPtr key_from_pem(const std::string& pem) {
    BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    KeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
    if (!key) fail("reading the CA key");
    return key;
}

CertPtr cert_from_pem(const std::string& pem) {
    BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    CertPtr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
    if (!cert) fail("reading the CA certificate");
    return cert;
}

void add_ext(X509* cert, X509* issuer, int nid, const std::string& value) {
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
    std::unique_ptr<X509_EXTENSION, Free> ext(
        X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str()));
    if (!ext) fail("building extension " + value);
    check(X509_add_ext(cert, ext.get(), -1), "adding an extension");
}

// A certificate skeleton: version 3, random serial, validity, subject CN, public key.
CertPtr new_cert(EVP_PKEY* key, const std::string& common_name, int days) {
    CertPtr cert(X509_new());
    if (!cert) fail("X509_new");
    check(X509_set_version(cert.get(), 2), "setting the version");
    unsigned char serial[16];
    check(RAND_bytes(serial, sizeof serial), "random serial");
    serial[0] &= 0x7f;  // positive
    std::unique_ptr<BIGNUM, Free> bn(BN_bin2bn(serial, sizeof serial, nullptr));
    if (!bn || BN_to_ASN1_INTEGER(bn.get(), X509_get_serialNumber(cert.get())) == nullptr)
        fail("setting the serial");
    if (!X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600) ||
        !X509_gmtime_adj(X509_getm_notAfter(cert.get()), static_cast<long>(days) * 86400))
        fail("setting the validity");
    check(X509_set_pubkey(cert.get(), key), "setting the public key");
    X509_NAME* name = X509_get_subject_name(cert.get());
    check(X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8,
                                     reinterpret_cast<const unsigned char*>("qbi-sim"), -1, -1, 0),
          "setting the subject");
    check(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                     reinterpret_cast<const unsigned char*>(common_name.c_str()),
                                     -1, -1, 0),
          "setting the subject");
    return cert;
}

std::string alt_names(const std::vector<std::string>& dns, const std::vector<std::string>& ips) {
    std::string out;
    for (const auto& d : dns) out += (out.empty() ? "" : ",") + std::string("DNS:") + d;
    for (const auto& ip : ips) {
        unsigned char buf[16];
        if (inet_pton(AF_INET, ip.c_str(), buf) != 1 && inet_pton(AF_INET6, ip.c_str(), buf) != 1)
            throw std::runtime_error("certificate generation: not an IP address: " + ip);
        out += (out.empty() ? "" : ",") + std::string("IP:") + ip;
    }
    return out;
}

std::string leaf_for(X509* ca_cert, EVP_PKEY* ca_key, const std::vector<std::string>& dns,
                     const std::vector<std::string>& ips, int days, std::string& key_pem) {
    if (dns.empty() && ips.empty())
        throw std::runtime_error("certificate generation: no host name or IP address given");
    KeyPtr key = new_key();
    CertPtr cert = new_cert(key.get(), dns.empty() ? ips.front() : dns.front(), days);
    check(X509_set_issuer_name(cert.get(), X509_get_subject_name(ca_cert)), "setting the issuer");
    add_ext(cert.get(), ca_cert, NID_basic_constraints, "critical,CA:FALSE");
    add_ext(cert.get(), ca_cert, NID_key_usage, "critical,digitalSignature,keyEncipherment");
    add_ext(cert.get(), ca_cert, NID_ext_key_usage, "serverAuth");
    add_ext(cert.get(), ca_cert, NID_subject_key_identifier, "hash");
    add_ext(cert.get(), ca_cert, NID_authority_key_identifier, "keyid:always");
    add_ext(cert.get(), ca_cert, NID_subject_alt_name, alt_names(dns, ips));
    check(X509_sign(cert.get(), ca_key, EVP_sha256()), "signing the leaf");
    key_pem = key_to_pem(key.get());
    return cert_to_pem(cert.get());
}

}  // namespace

CertBundle generate_cert_bundle(const std::vector<std::string>& dns,
                                const std::vector<std::string>& ips, int days) {
    KeyPtr ca_key = new_key();
    CertPtr ca = new_cert(ca_key.get(), "qbi-sim throwaway CA", days);
    check(X509_set_issuer_name(ca.get(), X509_get_subject_name(ca.get())), "setting the issuer");
    add_ext(ca.get(), ca.get(), NID_basic_constraints, "critical,CA:TRUE,pathlen:0");
    add_ext(ca.get(), ca.get(), NID_key_usage, "critical,keyCertSign,cRLSign");
    add_ext(ca.get(), ca.get(), NID_subject_key_identifier, "hash");
    check(X509_sign(ca.get(), ca_key.get(), EVP_sha256()), "signing the CA");

    CertBundle out;
    out.ca_pem = cert_to_pem(ca.get());
    out.ca_key_pem = key_to_pem(ca_key.get());
    out.cert_pem = leaf_for(ca.get(), ca_key.get(), dns, ips, days, out.key_pem);
    return out;
}

CertBundle sign_leaf(const CertBundle& ca, const std::vector<std::string>& dns,
                     const std::vector<std::string>& ips, int days) {
    CertPtr ca_cert = cert_from_pem(ca.ca_pem);
    KeyPtr ca_key = key_from_pem(ca.ca_key_pem);
    CertBundle out;
    out.ca_pem = ca.ca_pem;
    out.ca_key_pem = ca.ca_key_pem;
    out.cert_pem = leaf_for(ca_cert.get(), ca_key.get(), dns, ips, days, out.key_pem);
    return out;
}

}  // namespace qbi::sim
