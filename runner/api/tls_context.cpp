#include <Poco/Net/NetSSL.h>
#include <Poco/Net/RejectCertificateHandler.h>
#include <Poco/Net/SSLException.h>
#include <Poco/Net/SSLManager.h>
#include <openssl/ssl.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <mutex>

#include "runner/api/transport.h"

namespace qbi {

namespace {

// One rejecting handler for the process: Poco registers a handler with SSLManager's events
// when it is constructed, so it must outlive every context that uses it.
Poco::Net::Context::InvalidCertificateHandlerPtr rejecting_handler() {
    static Poco::Net::Context::InvalidCertificateHandlerPtr handler(
        new Poco::Net::RejectCertificateHandler(false));
    return handler;
}

}  // namespace

Result<Poco::Net::Context::Ptr> make_client_context(const TlsOptions& options) {
    if (!options.ca_file.empty()) {
        struct stat st {};
        if (::stat(options.ca_file.c_str(), &st) != 0)
            return Error{kExitConfig, "CA file " + options.ca_file + ": " + std::strerror(errno)};
    }
    try {
        Poco::Net::Context::Params params;
        params.caLocation = options.ca_file;
        params.loadDefaultCAs = options.ca_file.empty();
        params.verificationMode = Poco::Net::Context::VERIFY_STRICT;
        params.verificationDepth = 9;
        params.cipherList = "HIGH:!aNULL:!eNULL:!MD5:!RC4:!3DES";
        Poco::Net::Context::Ptr context =
            new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, params);
        context->disableProtocols(
            Poco::Net::Context::PROTO_SSLV2 | Poco::Net::Context::PROTO_SSLV3 |
            Poco::Net::Context::PROTO_TLSV1 | Poco::Net::Context::PROTO_TLSV1_1);
        context->enableExtendedCertificateVerification(true);  // host name, loopback included
        context->setInvalidCertificateHandler(rejecting_handler());
        // Read ahead: OpenSSL takes what the socket holds in one read instead of a record's
        // 5-byte header first and its body next (two system calls per answer). Safe with Poco,
        // which polls the socket only after SSL_read asks for more data (SSL_ERROR_WANT_READ).
        SSL_CTX_set_read_ahead(context->sslContext(), 1);

        static std::once_flag once;
        std::call_once(once, [&context] {
            Poco::Net::initializeSSL();
            Poco::Net::SSLManager::instance().initializeClient(
                Poco::Net::SSLManager::PrivateKeyPassphraseHandlerPtr(), rejecting_handler(),
                context);
        });
        return context;
    } catch (const Poco::Exception& e) {
        if (!options.ca_file.empty())
            return Error{kExitConfig,
                         "CA file " + options.ca_file + " cannot be loaded: " + e.displayText()};
        return Error{kExitConfig, "cannot set up TLS: " + e.displayText()};
    } catch (const std::exception& e) {
        return Error{kExitConfig, std::string("cannot set up TLS: ") + e.what()};
    }
}

}  // namespace qbi
