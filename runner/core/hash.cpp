#include "runner/core/hash.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <array>
#include <cstring>
#include <initializer_list>
#include <memory>
#include <stdexcept>

namespace qbi {

std::string hex_lower(std::string_view bytes) {
    static const char* hex = "0123456789abcdef";
    std::string out;
    out.reserve(bytes.size() * 2);
    for (unsigned char b : bytes) {
        out += hex[b >> 4];
        out += hex[b & 15];
    }
    return out;
}

namespace {

// The digests are fetched once. EVP_sha256() and the one-shot HMAC() look the algorithm up in
// OpenSSL 3's provider store on every call (locks and parameter searches), which at thousands
// of signatures a second was a third of the signing cost, in the runner and in qbi-sim alike.
// A fetched EVP_MD may be shared by threads; these live as long as the process.
const EVP_MD* fetch(const char* name) {
    const EVP_MD* md = EVP_MD_fetch(nullptr, name, nullptr);
    if (md == nullptr) throw std::runtime_error(std::string("no ") + name + " in OpenSSL");
    return md;
}

const EVP_MD* sha256_md() {
    static const EVP_MD* md = fetch("SHA256");
    return md;
}

const EVP_MD* sha1_md() {
    static const EVP_MD* md = fetch("SHA1");
    return md;
}

// The digest of the concatenated parts into `out` (EVP_MAX_MD_SIZE bytes); its length. One
// context per thread, reused.
unsigned digest(const EVP_MD* md, std::initializer_list<std::string_view> parts,
                unsigned char* out) {
    thread_local const std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> ctx(EVP_MD_CTX_new(),
                                                                              EVP_MD_CTX_free);
    unsigned len = 0;
    bool ok = ctx && EVP_DigestInit_ex(ctx.get(), md, nullptr) == 1;
    for (std::string_view p : parts)
        ok = ok && EVP_DigestUpdate(ctx.get(), p.data(), p.size()) == 1;
    if (!ok || EVP_DigestFinal_ex(ctx.get(), out, &len) != 1)
        throw std::runtime_error("digest failed");
    return len;
}

std::string_view bytes_of(const unsigned char* p, std::size_t n) {
    return {reinterpret_cast<const char*>(p), n};
}

// HMAC (RFC 2104) over a fetched digest: H(K ^ opad || H(K ^ ipad || data)), the key hashed
// first when longer than a block. The key's copies are wiped (the AccessKey secret signs).
// Written here rather than called: OpenSSL 3's HMAC() and EVP_MAC_init fetch the digest by
// name on every call, and HMAC_CTX, which would not, is deprecated.
std::string hmac(const EVP_MD* md, std::string_view key, std::string_view data) {
    constexpr std::size_t kMaxBlock = 144;  // SHA3-224's; SHA-1 and SHA-256 use 64
    const std::size_t block = static_cast<std::size_t>(EVP_MD_get_block_size(md));
    if (block == 0 || block > kMaxBlock) throw std::runtime_error("HMAC: unexpected block size");
    struct Pads {  // the key's copies, wiped however this ends
        std::array<unsigned char, kMaxBlock> k{}, ipad{}, opad{};
        ~Pads() {
            OPENSSL_cleanse(k.data(), k.size());
            OPENSSL_cleanse(ipad.data(), ipad.size());
            OPENSSL_cleanse(opad.data(), opad.size());
        }
    } p;
    if (key.size() > block)
        digest(md, {key}, p.k.data());
    else if (!key.empty())
        std::memcpy(p.k.data(), key.data(), key.size());
    for (std::size_t i = 0; i < block; ++i) {
        p.ipad[i] = p.k[i] ^ 0x36;
        p.opad[i] = p.k[i] ^ 0x5c;
    }
    unsigned char inner[EVP_MAX_MD_SIZE], out[EVP_MAX_MD_SIZE];
    const unsigned n = digest(md, {bytes_of(p.ipad.data(), block), data}, inner);
    const unsigned m = digest(md, {bytes_of(p.opad.data(), block), bytes_of(inner, n)}, out);
    return std::string(bytes_of(out, m));
}

}  // namespace

std::string sha256_hex(std::string_view data) {
    unsigned char md[EVP_MAX_MD_SIZE];
    const unsigned len = digest(sha256_md(), {data}, md);
    return hex_lower(bytes_of(md, len));
}

std::string hmac_sha1_raw(std::string_view key, std::string_view data) {
    return hmac(sha1_md(), key, data);
}

std::string hmac_sha256_raw(std::string_view key, std::string_view data) {
    return hmac(sha256_md(), key, data);
}

std::string base64(std::string_view bytes) {
    static const char* table = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    std::size_t i = 0;
    auto b = [&](std::size_t k) { return static_cast<unsigned char>(bytes[k]); };
    for (; i + 2 < bytes.size(); i += 3) {
        unsigned v = (b(i) << 16) | (b(i + 1) << 8) | b(i + 2);
        out += table[(v >> 18) & 63];
        out += table[(v >> 12) & 63];
        out += table[(v >> 6) & 63];
        out += table[v & 63];
    }
    if (i + 1 == bytes.size()) {
        unsigned v = b(i) << 16;
        out += table[(v >> 18) & 63];
        out += table[(v >> 12) & 63];
        out += "==";
    } else if (i + 2 == bytes.size()) {
        unsigned v = (b(i) << 16) | (b(i + 1) << 8);
        out += table[(v >> 18) & 63];
        out += table[(v >> 12) & 63];
        out += table[(v >> 6) & 63];
        out += '=';
    }
    return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
    auto val = [](char c) -> int {
        if (c >= 'A' && c <= 'Z') return c - 'A';
        if (c >= 'a' && c <= 'z') return c - 'a' + 26;
        if (c >= '0' && c <= '9') return c - '0' + 52;
        if (c == '+') return 62;
        if (c == '/') return 63;
        return -1;
    };
    std::string out;
    if (text.size() % 4 != 0) return std::nullopt;
    for (std::size_t i = 0; i < text.size(); i += 4) {
        int v[4];
        int pad = 0;
        for (int k = 0; k < 4; ++k) {
            char c = text[i + static_cast<std::size_t>(k)];
            if (c == '=' && i + 4 == text.size() && k >= 2) {
                v[k] = 0;
                ++pad;
            } else {
                if (pad) return std::nullopt;
                v[k] = val(c);
                if (v[k] < 0) return std::nullopt;
            }
        }
        unsigned n = (static_cast<unsigned>(v[0]) << 18) | (static_cast<unsigned>(v[1]) << 12) |
                     (static_cast<unsigned>(v[2]) << 6) | static_cast<unsigned>(v[3]);
        out += static_cast<char>((n >> 16) & 255);
        if (pad < 2) out += static_cast<char>((n >> 8) & 255);
        if (pad < 1) out += static_cast<char>(n & 255);
    }
    return out;
}

}  // namespace qbi
