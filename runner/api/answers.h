#pragma once
// The data of the discovery answers (quickbi-api.md §5, discovery.md §5), parsed defensively.
//
// Contract: each parse_* takes the body of an answer that classify_response() already called
// Done (HTTP 200, Success true) and either returns every item typed, or an Error whose message
// says what is wrong and where ("Result[3].ShareToType is not a number"); it never throws and
// never returns part of a list. Rules shared by all:
//   - extra fields are ignored; optional fields that are absent or null read as "" (or 0);
//   - a list answer whose Result is null or [] is an empty list;
//   - numbers may come as strings ("0") and IDs as integers (written as their decimal text);
//     an ID that is a fraction, a boolean, an object, empty, or not 1-128 characters of
//     A-Z a-z 0-9 . _ : @ - is malformed (IDs become the parameters of new calls);
//   - display texts (names, types) are kept as they are, cut at 256 bytes.
// Thread-safety: pure functions; safe from any thread.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "runner/core/result.h"

namespace qbi {

// The ApiResult code of a Done answer whose data is malformed (the read then fails: permanent).
inline constexpr const char* kCodeMalformed = "Response.Malformed";

struct UserInfo {         // QueryUserInfoByAccount, QueryUserInfoByUserId
    std::string user_id;  // required
    std::string account_id, account_name, nick_name, email;
    int user_type = 0;
    bool is_deleted = false;
};

struct FavoriteItem {      // ListCollections
    std::string works_id;  // required
    std::string favorite_id, works_name, works_type, owner_id, workspace_id, workspace_name;
};

struct WorkItem {          // QuerySharesToUserList, QueryWorksByOrganization's Data
    std::string works_id;  // required
    std::string work_name, work_type, owner_id, owner_name, workspace_id, workspace_name;
};

struct ShareGrant {           // QueryShareList
    std::string share_to_id;  // required
    int share_to_type = 0;    // required: 0 user, 1 group, 2 organisation, 3 workspace
    std::string share_id, share_to_name, share_type, report_id;
};

struct WorksPage {  // QueryWorksByOrganization
    std::vector<WorkItem> works;
    std::int64_t page_num = 0, page_size = 0, total_num = 0;
    // TotalPages, or computed from TotalNum and PageSize when absent or not a number.
    std::int64_t total_pages = 0;
};

Result<UserInfo> parse_user_info(std::string_view body);
Result<std::vector<FavoriteItem>> parse_collections(std::string_view body);
Result<std::vector<WorkItem>> parse_shares_to_user(std::string_view body);
Result<std::vector<ShareGrant>> parse_share_list(std::string_view body);
Result<WorksPage> parse_works_page(std::string_view body);

// True if `id` is 1-128 characters of A-Z a-z 0-9 . _ : @ - (what a job file accepts).
bool valid_id(std::string_view id);

}  // namespace qbi
