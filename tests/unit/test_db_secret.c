/* test_db_secret.c - the password of a connection string, found and kept out of messages. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "common/buf.h"
#include "common/db.h"

/* message, scrubbed with conninfo, must read want */
static void expect_scrubbed(const char *conninfo, const char *message, const char *want)
{
    buf out = BUF_INIT;
    assert_int_equal(db_scrub_password(conninfo, message, &out), 0);
    assert_non_null(out.data);
    if (strcmp(out.data, want) != 0)
        print_error("[%s] scrubbed [%s] to [%s], want [%s]\n", conninfo, message, out.data, want);
    assert_string_equal(out.data, want);
    buf_free(&out);
}

static void test_has_password(void **state)
{
    (void)state;
    assert_true(db_conninfo_has_password("host=x password=hunter2"));
    assert_true(db_conninfo_has_password("host=x password = 'a b'"));
    assert_true(db_conninfo_has_password("postgresql://u:hunter2@localhost/x"));
    assert_true(db_conninfo_has_password("postgresql:///x?password=hunter2"));
    /* strings libpq cannot read, or reads otherwise, still carry a password */
    assert_true(db_conninfo_has_password("postgresql://u:Pa%ZZss@localhost/x"));
    assert_true(db_conninfo_has_password("postgresql://u:pa/ss@localhost/x"));
    assert_true(db_conninfo_has_password("host=x password='unterminated"));
    assert_true(db_conninfo_has_password("host=x junk password=hunter2"));
    assert_true(db_conninfo_has_password("postgresql:///x?host=/h&password=Pa%ZZss"));

    assert_false(db_conninfo_has_password(""));
    assert_false(db_conninfo_has_password("host=/tmp dbname=xinyu user=u"));
    assert_false(db_conninfo_has_password("dbname=password"));
    assert_false(db_conninfo_has_password("postgresql://u@localhost:5432/x"));
    assert_false(db_conninfo_has_password("postgresql://u:@localhost/x"));
    assert_false(db_conninfo_has_password("postgresql:///x?host=/tmp&user=me"));
}

/* the messages libpq gives for these strings, word for word */
static void test_scrub_libpq_messages(void **state)
{
    (void)state;
    expect_scrubbed("postgresql://u:Pa%ZZss@localhost/x",
                    "invalid percent-encoded token: \"Pa%ZZss\"\n",
                    "invalid percent-encoded token: \"***\"\n");
    expect_scrubbed("postgresql://u:p%00w@/x?host=/h",
                    "forbidden value %00 in percent-encoded value: \"p%00w\"",
                    "forbidden value %00 in percent-encoded value: \"***\"");
    expect_scrubbed("postgresql:///x?host=/h&password=Pa%ZZss",
                    "invalid percent-encoded token: \"Pa%ZZss\"",
                    "invalid percent-encoded token: \"***\"");
    /* libpq reads "pa" as the port: a part of the password */
    expect_scrubbed("postgresql://u:pa/ss@localhost/x",
                    "invalid integer value \"pa\" for connection option \"port\"",
                    "invalid integer value \"***\" for connection option \"port\"");
    /* "abc def" was meant; libpq reads "def" as a keyword */
    expect_scrubbed("host=/nonexistent password=abc def",
                    "missing \"=\" after \"def\" in connection info string",
                    "missing \"=\" after \"***\" in connection info string");
    /* the whole URI quoted */
    expect_scrubbed("postgresql://u:a:b:c@[::1",
                    "end of string reached when looking for matching \"]\" in IPv6 host address "
                    "in URI: \"postgresql://u:a:b:c@[::1\"",
                    "end of string reached when looking for matching \"]\" in IPv6 host address "
                    "in URI: \"***\"");
}

static void test_scrub_keeps_the_rest(void **state)
{
    (void)state;
    /* what is not the password stays, so that the message still helps */
    expect_scrubbed("postgresql://u:hunter2@dbhost/xinyu",
                    "could not translate host name \"dbhost\" to address: Name or service not "
                    "known",
                    "could not translate host name \"dbhost\" to address: Name or service not "
                    "known");
    expect_scrubbed("host=/nonexistent dbname=xinyu",
                    "connection to server on socket \"/nonexistent/.s.PGSQL.5432\" failed",
                    "connection to server on socket \"/nonexistent/.s.PGSQL.5432\" failed");
    expect_scrubbed(NULL, "plain \"text\"", "plain \"text\"");
    /* the password unquoted, as written and decoded */
    expect_scrubbed("postgresql://u:p%41ss@h/x", "x p%41ss y pAss z", "x *** y *** z");
    expect_scrubbed("host=h password='a b'", "said a b here", "said *** here");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_has_password),
        cmocka_unit_test(test_scrub_libpq_messages),
        cmocka_unit_test(test_scrub_keeps_the_rest),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
