/*
 * Unit tests for gw, the etcd 3.4 gateway's envelopes: requests as the
 * gateway reads them, and responses as measured from etcd 3.4.23
 * (DATASTORE.md 2.3-2.6), then every kind of broken input.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "datastore/gw.h"
#include "tests/unit/util/testutil.h"

static const char range_resp[] =
    "{\"header\":{\"cluster_id\":\"324952591200643719\",\"member_id\":"
    "\"3319814642761637952\",\"revision\":\"5\",\"raft_term\":\"2\"},"
    "\"kvs\":[{\"key\":\"L2NhbGljby9yZXNvdXJjZXMvdjMvcHJvamVjdGNhbGljby5vcm"
    "cvYmdwcGVlcnMvcmFjazEtdG9y\",\"create_revision\":\"2\","
    "\"mod_revision\":\"4\",\"version\":\"1\",\"value\":\"eyJhIjoxfQ==\"},"
    "{\"key\":\"L2E=\",\"create_revision\":\"3\",\"mod_revision\":\"3\","
    "\"version\":\"1\"}],\"more\":true,\"count\":\"3\"}";

START_TEST(test_range_request)
{
	char *r = gw_range_request("/calico/a/", 10, "/calico/a0", 42, 500);

	ck_assert_str_eq(r, "{\"key\":\"L2NhbGljby9hLw==\",\"range_end\":"
	    "\"L2NhbGljby9hMA==\",\"limit\":\"500\",\"revision\":\"42\"}");
	free(r);
	/* A page key with its NUL byte; no revision means "current". */
	r = gw_range_request("/a\0", 3, "/b", 0, 0);
	ck_assert_str_eq(r, "{\"key\":\"L2EA\",\"range_end\":\"L2I=\"}");
	free(r);
}
END_TEST

START_TEST(test_watch_and_auth_requests)
{
	struct gw_watch_create w[2] = {
		{ "/a/", "/a0", 8, 1 }, { "/b/", "/b0", 9, 2 },
	};
	char *r = gw_watch_request(w, 2);

	ck_assert_str_eq(r, "{\"create_request\":{\"key\":\"L2Ev\","
	    "\"range_end\":\"L2Ew\",\"start_revision\":\"8\","
	    "\"progress_notify\":true,\"watch_id\":\"1\"}}"
	    "{\"create_request\":{\"key\":\"L2Iv\",\"range_end\":\"L2Iw\","
	    "\"start_revision\":\"9\",\"progress_notify\":true,"
	    "\"watch_id\":\"2\"}}");
	free(r);
	r = gw_auth_request("root", "p\"w");
	ck_assert_str_eq(r, "{\"name\":\"root\",\"password\":\"p\\\"w\"}");
	free(r);
}
END_TEST

START_TEST(test_range_parse)
{
	struct gw_range r;
	char err[200];

	ck_assert_int_eq(gw_range_parse(range_resp, strlen(range_resp), &r,
	    err, sizeof(err)), 0);
	ck_assert_int_eq(r.revision, 5);
	ck_assert(r.more);
	ck_assert_int_eq(r.count, 3);
	ck_assert_uint_eq(r.nkvs, 2);
	ck_assert_str_eq(r.kvs[0].key,
	    "/calico/resources/v3/projectcalico.org/bgppeers/rack1-tor");
	ck_assert_str_eq(r.kvs[0].value, "{\"a\":1}");
	ck_assert_int_eq(r.kvs[0].mod_revision, 4);
	ck_assert_int_eq(r.kvs[0].create_revision, 2);
	/* An empty value is absent on the wire. */
	ck_assert_str_eq(r.kvs[1].value, "");
	ck_assert_uint_eq(r.kvs[1].vlen, 0);
	gw_range_free(&r);
	/* The last page of an empty range: no kvs, no more. */
	ck_assert_int_eq(gw_range_parse("{\"header\":{\"revision\":\"9\"}}",
	    27, &r, err, sizeof(err)), 0);
	ck_assert_uint_eq(r.nkvs, 0);
	ck_assert(!r.more);
	gw_range_free(&r);
}
END_TEST

static void
range_bad(const char *body, const char *why)
{
	struct gw_range r;
	char err[200] = "";

	ck_assert_int_eq(gw_range_parse(body, strlen(body), &r, err,
	    sizeof(err)), -1);
	ck_assert_msg(strstr(err, why) != NULL, "'%s': got '%s'", body, err);
	ck_assert_ptr_null(r.kvs);
}

START_TEST(test_range_bad)
{
	range_bad("", "invalid JSON");
	range_bad("[]", "expected a JSON object");
	range_bad("{\"header\":{}}", "header.revision");
	range_bad("{\"header\":{\"revision\":\"x5\"}}", "not an integer");
	range_bad("{\"header\":{\"revision\":true}}", "expected an integer");
	range_bad("{\"header\":{\"revision\":\"5\"},\"kvs\":{}}",
	    "expected an array");
	range_bad("{\"header\":{\"revision\":\"5\"},\"kvs\":[{\"value\":"
	    "\"eA==\"}]}", "key: missing");
	range_bad("{\"header\":{\"revision\":\"5\"},\"kvs\":[{\"key\":"
	    "\"!!!!\"}]}", "invalid base64");
	range_bad("{\"header\":{\"revision\":\"5\"},\"kvs\":[{\"key\":"
	    "\"L2E\"}]}", "invalid base64");
	range_bad("{\"header\":{\"revision\":\"5\"},\"kvs\":[{\"key\":"
	    "\"L2E=\",\"key\":\"L2E=\"}]}", "invalid JSON");
	range_bad("{\"header\":{\"revision\":\"5\"},\"more\":\"yes\"}",
	    "expected true or false");
	range_bad("{\"error\":\"etcdserver: mvcc: required revision has been "
	    "compacted\",\"code\":11}", "is an error");
	range_bad("{\"header\":{\"revision\":\"99999999999999999999\"}}",
	    "not an integer");
}
END_TEST

START_TEST(test_watch_stream)
{
	struct gw_watch_msg m;
	char err[200];
	static const char created[] = "{\"result\":{\"header\":{\"cluster_id\":"
	    "\"1\",\"member_id\":\"2\",\"revision\":\"5\",\"raft_term\":\"2\"},"
	    "\"watch_id\":\"3\",\"created\":true}}";
	static const char put[] = "{\"result\":{\"header\":{\"revision\":"
	    "\"6\"},\"watch_id\":\"3\",\"events\":[{\"kv\":{\"key\":"
	    "\"bmV3MQ==\",\"create_revision\":\"6\",\"mod_revision\":\"6\","
	    "\"version\":\"1\",\"value\":\"e30=\"}}]}}";
	static const char del[] = "{\"result\":{\"header\":{\"revision\":"
	    "\"7\"},\"events\":[{\"type\":\"DELETE\",\"kv\":{\"key\":"
	    "\"enotbGFzdA==\",\"mod_revision\":\"7\"},\"prev_kv\":{\"key\":"
	    "\"enotbGFzdA==\"}}]}}";
	static const char compacted[] = "{\"result\":{\"header\":"
	    "{\"cluster_id\":\"1\"},\"watch_id\":\"2\",\"canceled\":true,"
	    "\"compact_revision\":\"8\"}}";
	static const char noauth[] = "{\"result\":{\"header\":{},\"watch_id\":"
	    "\"-1\",\"created\":true,\"canceled\":true,\"cancel_reason\":"
	    "\"etcdserver: user name is empty\"}}";
	static const char error[] = "{\"error\":{\"grpc_code\":14,"
	    "\"http_code\":503,\"message\":\"transport is closing\","
	    "\"http_status\":\"Service Unavailable\"}}";

	ck_assert_int_eq(gw_watch_parse(created, strlen(created), &m, err,
	    sizeof(err)), 0);
	ck_assert(m.created && !m.canceled);
	ck_assert_int_eq(m.watch_id, 3);
	ck_assert_int_eq(m.revision, 5);
	gw_watch_free(&m);
	ck_assert_int_eq(gw_watch_parse(put, strlen(put), &m, err,
	    sizeof(err)), 0);
	ck_assert_uint_eq(m.nevents, 1);
	ck_assert_int_eq(m.events[0].type, GW_EV_PUT);	/* PUT is absent */
	ck_assert_str_eq(m.events[0].kv.key, "new1");
	ck_assert_str_eq(m.events[0].kv.value, "{}");
	gw_watch_free(&m);
	ck_assert_int_eq(gw_watch_parse(del, strlen(del), &m, err,
	    sizeof(err)), 0);
	ck_assert_int_eq(m.watch_id, 0);	/* watch 0 is never written */
	ck_assert_int_eq(m.events[0].type, GW_EV_DELETE);
	ck_assert_str_eq(m.events[0].kv.key, "zz-last");
	ck_assert_int_eq(m.events[0].kv.mod_revision, 7);
	gw_watch_free(&m);
	ck_assert_int_eq(gw_watch_parse(compacted, strlen(compacted), &m, err,
	    sizeof(err)), 0);
	ck_assert(m.canceled);
	ck_assert_int_eq(m.compact_revision, 8);
	ck_assert_int_eq(m.revision, 0);
	gw_watch_free(&m);
	ck_assert_int_eq(gw_watch_parse(noauth, strlen(noauth), &m, err,
	    sizeof(err)), 0);
	ck_assert_int_eq(m.watch_id, -1);
	ck_assert_str_eq(m.cancel_reason, "etcdserver: user name is empty");
	gw_watch_free(&m);
	ck_assert_int_eq(gw_watch_parse(error, strlen(error), &m, err,
	    sizeof(err)), 0);
	ck_assert(m.is_error);
	ck_assert_int_eq(m.err.code, 14);
	ck_assert_int_eq(m.err.http_code, 503);
	ck_assert_str_eq(m.err.message, "transport is closing");
	gw_watch_free(&m);
}
END_TEST

static void
watch_bad(const char *line, const char *why)
{
	struct gw_watch_msg m;
	char err[200] = "";

	ck_assert_int_eq(gw_watch_parse(line, strlen(line), &m, err,
	    sizeof(err)), -1);
	ck_assert_msg(strstr(err, why) != NULL, "'%s': got '%s'", line, err);
	ck_assert_ptr_null(m.events);
}

START_TEST(test_watch_bad)
{
	watch_bad("{\"result\":{\"header\":", "invalid JSON");
	watch_bad("{\"nothing\":1}", "expected {\"result\"");
	watch_bad("{\"result\":{\"events\":[{\"type\":\"MOVE\",\"kv\":"
	    "{\"key\":\"eA==\"}}]}}", "neither PUT nor DELETE");
	watch_bad("{\"result\":{\"events\":[{\"kv\":{\"key\":\"eA==\"}},"
	    "{\"kv\":7}]}}", "kv: expected an object");
	watch_bad("{\"result\":{\"events\":[3]}}", "expected objects");
	watch_bad("{\"result\":{\"created\":\"true\"}}", "true or false");
	watch_bad("{\"result\":{\"watch_id\":{}}}", "expected an integer");
	watch_bad("{\"error\":[]}", "error: expected an object");
}
END_TEST

START_TEST(test_unary_errors_and_token)
{
	struct gw_error e;
	char err[100], *t;
	static const char compacted[] = "{\"error\":\"etcdserver: mvcc: "
	    "required revision has been compacted\",\"message\":"
	    "\"etcdserver: mvcc: required revision has been compacted\","
	    "\"code\":11}";

	ck_assert_int_eq(gw_error_parse(compacted, strlen(compacted), &e), 0);
	ck_assert_int_eq(e.code, GW_GRPC_OUT_OF_RANGE);
	ck_assert_str_eq(e.message, "etcdserver: mvcc: required revision has "
	    "been compacted");
	ck_assert_int_eq(gw_error_parse("{\"error\":\"x\",\"code\":16}", 23,
	    &e), 0);
	ck_assert_str_eq(e.message, "x");
	ck_assert_int_eq(e.code, 16);
	ck_assert_int_eq(gw_error_parse("<html>", 6, &e), -1);
	ck_assert_int_eq(gw_error_parse("{\"header\":{}}", 13, &e), -1);
	t = gw_auth_parse("{\"header\":{},\"token\":\"juAlCuzzXSKocOTj.20\"}",
	    43, err, sizeof(err));
	ck_assert_str_eq(t, "juAlCuzzXSKocOTj.20");
	free(t);
	ck_assert_ptr_null(gw_auth_parse("{\"token\":\"\"}", 12, err,
	    sizeof(err)));
	ck_assert_ptr_null(gw_auth_parse("{\"token\":5}", 11, err,
	    sizeof(err)));
}
END_TEST

START_TEST(test_base64)
{
	static const char raw[] = "a\0b\xff\n";
	char *e = gw_b64_encode(raw, 5), *d;
	size_t n;

	ck_assert_str_eq(e, "YQBi/wo=");
	d = gw_b64_decode(e, strlen(e), &n);
	ck_assert_uint_eq(n, 5);
	ck_assert(memcmp(d, raw, 5) == 0);
	free(d);
	free(e);
	d = gw_b64_decode("", 0, &n);
	ck_assert_uint_eq(n, 0);
	free(d);
	ck_assert_ptr_null(gw_b64_decode("YQ B", 4, &n));
	ck_assert_ptr_null(gw_b64_decode("YQ=", 3, &n));
	ck_assert_ptr_null(gw_b64_decode("Y===", 4, &n));
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("gw");
	TCase *tc = tcase_create("gw");

	tcase_add_test(tc, test_range_request);
	tcase_add_test(tc, test_watch_and_auth_requests);
	tcase_add_test(tc, test_range_parse);
	tcase_add_test(tc, test_range_bad);
	tcase_add_test(tc, test_watch_stream);
	tcase_add_test(tc, test_watch_bad);
	tcase_add_test(tc, test_unary_errors_and_token);
	tcase_add_test(tc, test_base64);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
