// Throwaway certificates: a CA and leaf that OpenSSL verifies for exactly the names asked for.
#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>

#include "runner/sim/certgen.h"

namespace qbi::sim {
namespace {

struct X509Free {
    void operator()(X509* p) const { X509_free(p); }
};
using Cert = std::unique_ptr<X509, X509Free>;

Cert parse(const std::string& pem) {
    BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
    Cert c(PEM_read_bio_X509(bio, nullptr, nullptr, nullptr));
    BIO_free(bio);
    return c;
}

// True if `leaf` chains to `ca` for TLS server use.
bool verifies(const std::string& ca, const std::string& leaf) {
    Cert ca_cert = parse(ca), leaf_cert = parse(leaf);
    X509_STORE* store = X509_STORE_new();
    X509_STORE_add_cert(store, ca_cert.get());
    X509_STORE_CTX* ctx = X509_STORE_CTX_new();
    X509_STORE_CTX_init(ctx, store, leaf_cert.get(), nullptr);
    X509_STORE_CTX_set_purpose(ctx, X509_PURPOSE_SSL_SERVER);
    const bool ok = X509_verify_cert(ctx) == 1;
    X509_STORE_CTX_free(ctx);
    X509_STORE_free(store);
    return ok;
}

TEST(SimCertgen, LoopbackBundleVerifiesForItsNamesOnly) {
    const CertBundle b = generate_loopback_bundle();
    EXPECT_EQ(b.ca_pem.rfind("-----BEGIN CERTIFICATE-----", 0), 0u);
    EXPECT_EQ(b.key_pem.rfind("-----BEGIN PRIVATE KEY-----", 0), 0u);
    EXPECT_TRUE(verifies(b.ca_pem, b.cert_pem));
    Cert leaf = parse(b.cert_pem);
    EXPECT_EQ(X509_check_ip_asc(leaf.get(), "127.0.0.1", 0), 1);
    EXPECT_EQ(X509_check_host(leaf.get(), "localhost", 0, 0, nullptr), 1);
    EXPECT_NE(X509_check_ip_asc(leaf.get(), "127.0.0.2", 0), 1);
    EXPECT_NE(X509_check_host(leaf.get(), "example.com", 0, 0, nullptr), 1);
    EXPECT_EQ(X509_check_ca(parse(b.ca_pem).get()), 1);
    EXPECT_EQ(X509_check_ca(leaf.get()), 0);
}

TEST(SimCertgen, AnotherCaDoesNotVerifyAndSignLeafReusesTheCa) {
    const CertBundle a = generate_loopback_bundle();
    const CertBundle b = generate_loopback_bundle();
    EXPECT_FALSE(verifies(b.ca_pem, a.cert_pem));
    const CertBundle other = sign_leaf(a, {"other.example"}, {});
    EXPECT_EQ(other.ca_pem, a.ca_pem);
    EXPECT_TRUE(verifies(a.ca_pem, other.cert_pem));
    Cert leaf = parse(other.cert_pem);
    EXPECT_EQ(X509_check_host(leaf.get(), "other.example", 0, 0, nullptr), 1);
    EXPECT_NE(X509_check_ip_asc(leaf.get(), "127.0.0.1", 0), 1);
}

TEST(SimCertgen, BadInputIsAnError) {
    try {
        generate_cert_bundle({"localhost"}, {"999.1.1.1"});
        FAIL() << "accepted a bad IP";
    } catch (const std::runtime_error& e) {
        EXPECT_STREQ(e.what(), "certificate generation: not an IP address: 999.1.1.1");
    }
    try {
        generate_cert_bundle({}, {});
        FAIL() << "accepted no names";
    } catch (const std::runtime_error& e) {
        EXPECT_STREQ(e.what(), "certificate generation: no host name or IP address given");
    }
}

}  // namespace
}  // namespace qbi::sim
