// The discovery answers parsed defensively (runner/api/answers.h): the documented shapes, extra
// and missing fields, Result as null or [], numbers as strings, and every malformed shape a
// clear error naming the field -- never a partial list.
#include <gtest/gtest.h>

#include "runner/api/answers.h"

namespace qbi {
namespace {

std::string body(const std::string& result) {
    return R"({"RequestId":"R-1","Success":true,"Result":)" + result + "}";
}

TEST(Answers, UserInfoDocumentedShapeAndDeletedUser) {
    auto u = parse_user_info(body(
        R"({"UserId":"1213444447901234","AccountId":"5551234","AccountName":"jdoe","NickName":"J. Doe",
            "Email":"j@x","UserType":1,"AdminUser":false,"IsDeleted":true,"RoleIdList":[-3],"New":1})"));
    ASSERT_TRUE(u) << u.error().message;
    EXPECT_EQ(u->user_id, "1213444447901234");
    EXPECT_EQ(u->account_name, "jdoe");
    EXPECT_EQ(u->user_type, 1);
    EXPECT_TRUE(u->is_deleted);
    // A numeric UserId reads as its decimal text; IsDeleted as the string "false".
    auto n = parse_user_info(body(R"({"UserId":1213444447901234,"IsDeleted":"false"})"));
    ASSERT_TRUE(n) << n.error().message;
    EXPECT_EQ(n->user_id, "1213444447901234");
    EXPECT_FALSE(n->is_deleted);
}

TEST(Answers, UserInfoMalformed) {
    const std::pair<std::string, std::string> cases[] = {
        {"not json", "the body is not JSON"},
        {"[1]", "the body is not a JSON object"},
        {R"({"Success":true})", "Result is missing"},
        {body("null"), "Result is not an object"},
        {body("[]"), "Result is not an object"},
        {body(R"({"AccountName":"x"})"), "Result UserId is missing"},
        {body(R"({"UserId":""})"), "Result UserId is not a valid ID"},
        {body(R"({"UserId":"a b"})"), "Result UserId is not a valid ID"},
        {body(R"({"UserId":1.5})"), "Result UserId is not an ID (a string or an integer)"},
        {body(R"({"UserId":true})"), "Result UserId is not an ID (a string or an integer)"},
        {body(R"({"UserId":"u","IsDeleted":"maybe"})"), "Result IsDeleted is not a boolean"},
    };
    for (const auto& [text, message] : cases) {
        auto u = parse_user_info(text);
        ASSERT_FALSE(u) << text;
        EXPECT_EQ(u.error().message, message) << text;
    }
}

TEST(Answers, CollectionsListNullEmptyAndExtraFields) {
    auto list = parse_collections(body(
        R"([{"FavoriteId":7,"OwnerId":"u-bob","WorksId":"w-1","WorksName":"Revenue","WorksType":"PAGE",
             "WorkspaceId":"ws","WorkspaceName":"Finance","Extra":{"a":1}},
            {"WorksId":"w-2"}])"));
    ASSERT_TRUE(list) << list.error().message;
    ASSERT_EQ(list->size(), 2u);
    EXPECT_EQ((*list)[0].favorite_id, "7");
    EXPECT_EQ((*list)[0].works_name, "Revenue");
    EXPECT_EQ((*list)[1].works_id, "w-2");
    EXPECT_EQ((*list)[1].works_name, "");
    EXPECT_TRUE(parse_collections(body("null"))->empty());
    EXPECT_TRUE(parse_collections(body("[]"))->empty());
}

// One bad item rejects the whole answer (nothing partial), naming the item and the field.
TEST(Answers, ListMalformedNamesTheItem) {
    auto bad = parse_collections(body(R"([{"WorksId":"w-1"},{"WorksName":"no id"}])"));
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().message, "Result[1] WorksId is missing");
    EXPECT_EQ(parse_collections(body(R"({"WorksId":"w"})")).error().message,
              "Result is not a list");
    EXPECT_EQ(parse_collections(body(R"([1])")).error().message, "Result[0] is not an object");
    EXPECT_EQ(parse_shares_to_user(body(R"([{"WorksId":"w\n1"}])")).error().message,
              "Result[0] WorksId is not a valid ID");
}

TEST(Answers, ShareListTypesAsNumbersOrStrings) {
    auto grants = parse_share_list(body(
        R"([{"ShareId":"s1","ShareToId":"u1","ShareToName":"J","ShareToType":0,"ShareType":"PAGE",
             "AuthPoint":1,"ExpireDate":4102358400000,"ReportId":"r"},
            {"ShareToId":"g1","ShareToType":"1"},
            {"ShareToId":123456,"ShareToType":2},
            {"ShareToId":"ws1","ShareToType":3}])"));
    ASSERT_TRUE(grants) << grants.error().message;
    ASSERT_EQ(grants->size(), 4u);
    EXPECT_EQ((*grants)[0].share_to_type, 0);
    EXPECT_EQ((*grants)[1].share_to_type, 1);
    EXPECT_EQ((*grants)[2].share_to_id, "123456");
    EXPECT_EQ((*grants)[3].share_to_type, 3);
    EXPECT_EQ(parse_share_list(body(R"([{"ShareToId":"u1"}])")).error().message,
              "Result[0] ShareToType is missing");
    EXPECT_EQ(
        parse_share_list(body(R"([{"ShareToId":"u1","ShareToType":"user"}])")).error().message,
        "Result[0] ShareToType is not a number");
}

TEST(Answers, WorksPageTotalsAndFallbacks) {
    auto page = parse_works_page(body(
        R"({"Data":[{"WorksId":"w1","WorkName":"A","OwnerId":"u","Status":1}],"PageNum":2,
            "PageSize":100,"TotalNum":250,"TotalPages":3})"));
    ASSERT_TRUE(page) << page.error().message;
    EXPECT_EQ(page->works.size(), 1u);
    EXPECT_EQ(page->page_num, 2);
    EXPECT_EQ(page->total_pages, 3);
    // TotalPages missing or not a number: from TotalNum and PageSize. Data null: empty.
    auto computed = parse_works_page(body(
        R"({"Data":null,"PageNum":"1","PageSize":"100","TotalNum":"250","TotalPages":"n/a"})"));
    ASSERT_TRUE(computed) << computed.error().message;
    EXPECT_TRUE(computed->works.empty());
    EXPECT_EQ(computed->total_pages, 3);
    EXPECT_EQ(parse_works_page(body(R"({"Data":[],"PageNum":1,"PageSize":0,"TotalNum":5})"))
                  .error()
                  .message,
              "Result has PageNum 1, PageSize 0, TotalNum 5");
    EXPECT_EQ(parse_works_page(body(R"({"Data":[],"PageNum":1,"TotalNum":5})")).error().message,
              "Result PageSize is missing");
    EXPECT_EQ(parse_works_page(body(R"({"Data":{},"PageNum":1,"PageSize":1,"TotalNum":5})"))
                  .error()
                  .message,
              "Result.Data is not a list");
}

TEST(Answers, IdRules) {
    EXPECT_TRUE(valid_id("de4bc5f9429141cc8091cdd1c15b0001"));
    EXPECT_TRUE(valid_id("name@parent.onaliyun.com"));
    EXPECT_FALSE(valid_id(""));
    EXPECT_FALSE(valid_id(std::string(129, 'a')));
    EXPECT_FALSE(valid_id("a,b"));
    EXPECT_FALSE(valid_id("a&b=c"));
}

}  // namespace
}  // namespace qbi
