#include "runner/api/answers.h"

#include <Poco/Dynamic/Var.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <charconv>
#include <cmath>
#include <exception>
#include <optional>

namespace qbi {

namespace {

using Poco::Dynamic::Var;
using Poco::JSON::Array;
using Poco::JSON::Object;

constexpr std::size_t kMaxText = 256;

Error malformed(const std::string& what) {
    return Error{kExitDataErr, what};
}

// The Result member of a JSON object body; an Error for anything else.
Result<Var> result_of(std::string_view body) {
    Var root;
    try {
        Poco::JSON::Parser parser;
        root = parser.parse(std::string(body));
    } catch (const std::exception&) {
        return malformed("the body is not JSON");
    }
    if (root.type() != typeid(Object::Ptr) || root.extract<Object::Ptr>().isNull())
        return malformed("the body is not a JSON object");
    Object::Ptr obj = root.extract<Object::Ptr>();
    if (!obj->has("Result")) return malformed("Result is missing");
    return obj->get("Result");
}

bool is_object(const Var& v) {
    return v.type() == typeid(Object::Ptr) && !v.extract<Object::Ptr>().isNull();
}
bool is_array(const Var& v) {
    return v.type() == typeid(Array::Ptr) && !v.extract<Array::Ptr>().isNull();
}

// An integer from a JSON number without a fraction or from a string of digits.
std::optional<std::int64_t> integer_of(const Var& v) {
    try {
        if (v.isEmpty() || v.isBoolean()) return std::nullopt;
        if (v.isString()) {
            const std::string s = v.extract<std::string>();
            std::int64_t n = 0;
            auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
            if (s.empty() || ec != std::errc() || ptr != s.data() + s.size()) return std::nullopt;
            return n;
        }
        if (v.isInteger()) return v.convert<std::int64_t>();
        if (v.isNumeric()) {
            const double d = v.convert<double>();
            if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9e15)
                return static_cast<std::int64_t>(d);
        }
    } catch (const std::exception&) {
    }
    return std::nullopt;
}

// Reads the fields of one item; the first problem is kept with its path.
class Item {
public:
    Item(const Var& v, std::string path) : path_(std::move(path)) {
        if (is_object(v))
            obj_ = v.extract<Object::Ptr>();
        else
            fail("is not an object");
    }
    bool ok() const { return error_.empty(); }
    const std::string& error() const { return error_; }

    std::string id(const char* key, bool required) {
        Var v = get(key);
        if (v.isEmpty()) {
            if (required) fail(std::string(key) + " is missing");
            return "";
        }
        std::string text;
        if (v.isString()) {
            text = v.extract<std::string>();
        } else if (auto n = integer_of(v)) {
            text = std::to_string(*n);
        } else {
            fail(std::string(key) + " is not an ID (a string or an integer)");
            return "";
        }
        if (!valid_id(text)) fail(std::string(key) + " is not a valid ID");
        return text;
    }
    std::string text(const char* key) {
        Var v = get(key);
        if (v.isEmpty() || is_object(v) || is_array(v)) return "";
        try {
            std::string s = v.convert<std::string>();
            if (s.size() > kMaxText) s.resize(kMaxText);
            return s;
        } catch (const std::exception&) {
            return "";
        }
    }
    std::int64_t integer(const char* key, bool required) {
        Var v = get(key);
        if (v.isEmpty()) {
            if (required) fail(std::string(key) + " is missing");
            return 0;
        }
        auto n = integer_of(v);
        if (!n) fail(std::string(key) + " is not a number");
        return n.value_or(0);
    }
    bool boolean(const char* key) {
        Var v = get(key);
        if (v.isEmpty()) return false;
        if (v.isBoolean()) return v.extract<bool>();
        if (v.isString()) {
            const std::string s = v.extract<std::string>();
            if (s == "true") return true;
            if (s == "false") return false;
        }
        if (auto n = integer_of(v); n && (*n == 0 || *n == 1)) return *n == 1;
        fail(std::string(key) + " is not a boolean");
        return false;
    }
    std::optional<Var> raw(const char* key) {
        Var v = get(key);
        if (v.isEmpty()) return std::nullopt;
        return v;
    }

private:
    Var get(const char* key) {
        if (obj_.isNull() || !obj_->has(key)) return Var();
        return obj_->get(key);
    }
    void fail(const std::string& what) {
        if (error_.empty()) error_ = path_.empty() ? what : path_ + " " + what;
    }
    Object::Ptr obj_;
    std::string path_;
    std::string error_;
};

// Every element of a list Result through `read`; null and [] are empty.
template <class T, class F>
Result<std::vector<T>> list_of(const Var& list, const std::string& path, F read) {
    std::vector<T> out;
    if (list.isEmpty()) return out;
    if (!is_array(list)) return malformed(path + " is not a list");
    Array::Ptr a = list.extract<Array::Ptr>();
    out.reserve(a->size());
    for (std::size_t i = 0; i < a->size(); ++i) {
        Item item(a->get(static_cast<unsigned>(i)), path + "[" + std::to_string(i) + "]");
        T value = read(item);
        if (!item.ok()) return malformed(item.error());
        out.push_back(std::move(value));
    }
    return out;
}

WorkItem read_work(Item& i) {
    WorkItem w;
    w.works_id = i.id("WorksId", true);
    w.work_name = i.text("WorkName");
    w.work_type = i.text("WorkType");
    w.owner_id = i.text("OwnerId");
    w.owner_name = i.text("OwnerName");
    w.workspace_id = i.text("WorkspaceId");
    w.workspace_name = i.text("WorkspaceName");
    return w;
}

}  // namespace

bool valid_id(std::string_view id) {
    if (id.empty() || id.size() > 128) return false;
    for (char c : id) {
        bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                  c == '.' || c == '_' || c == ':' || c == '@' || c == '-';
        if (!ok) return false;
    }
    return true;
}

Result<UserInfo> parse_user_info(std::string_view body) {
    auto result = result_of(body);
    if (!result) return result.error();
    if (!is_object(*result)) return malformed("Result is not an object");
    Item i(*result, "Result");
    UserInfo u;
    u.user_id = i.id("UserId", true);
    u.account_id = i.text("AccountId");
    u.account_name = i.text("AccountName");
    u.nick_name = i.text("NickName");
    u.email = i.text("Email");
    u.user_type = static_cast<int>(i.integer("UserType", false));
    u.is_deleted = i.boolean("IsDeleted");
    if (!i.ok()) return malformed(i.error());
    return u;
}

Result<std::vector<FavoriteItem>> parse_collections(std::string_view body) {
    auto result = result_of(body);
    if (!result) return result.error();
    return list_of<FavoriteItem>(*result, "Result", [](Item& i) {
        FavoriteItem f;
        f.works_id = i.id("WorksId", true);
        f.favorite_id = i.text("FavoriteId");
        f.works_name = i.text("WorksName");
        f.works_type = i.text("WorksType");
        f.owner_id = i.text("OwnerId");
        f.workspace_id = i.text("WorkspaceId");
        f.workspace_name = i.text("WorkspaceName");
        return f;
    });
}

Result<std::vector<WorkItem>> parse_shares_to_user(std::string_view body) {
    auto result = result_of(body);
    if (!result) return result.error();
    return list_of<WorkItem>(*result, "Result", read_work);
}

Result<std::vector<ShareGrant>> parse_share_list(std::string_view body) {
    auto result = result_of(body);
    if (!result) return result.error();
    return list_of<ShareGrant>(*result, "Result", [](Item& i) {
        ShareGrant g;
        g.share_to_id = i.id("ShareToId", true);
        g.share_to_type = static_cast<int>(i.integer("ShareToType", true));
        g.share_id = i.text("ShareId");
        g.share_to_name = i.text("ShareToName");
        g.share_type = i.text("ShareType");
        g.report_id = i.text("ReportId");
        return g;
    });
}

Result<WorksPage> parse_works_page(std::string_view body) {
    auto result = result_of(body);
    if (!result) return result.error();
    if (!is_object(*result)) return malformed("Result is not an object");
    Item page(*result, "Result");
    WorksPage p;
    p.page_num = page.integer("PageNum", true);
    p.page_size = page.integer("PageSize", true);
    p.total_num = page.integer("TotalNum", true);
    if (!page.ok()) return malformed(page.error());
    if (p.page_num < 1 || p.page_size < 1 || p.total_num < 0)
        return malformed("Result has PageNum " + std::to_string(p.page_num) + ", PageSize " +
                         std::to_string(p.page_size) + ", TotalNum " + std::to_string(p.total_num));
    // TotalPages when it is a number, else from TotalNum and PageSize (discovery.md §5).
    std::optional<std::int64_t> pages;
    if (auto raw = page.raw("TotalPages")) pages = integer_of(*raw);
    p.total_pages = pages && *pages >= 0 ? *pages : (p.total_num + p.page_size - 1) / p.page_size;
    auto data = page.raw("Data");
    auto works = list_of<WorkItem>(data.value_or(Var()), "Result.Data", read_work);
    if (!works) return works.error();
    p.works = std::move(*works);
    return p;
}

}  // namespace qbi
