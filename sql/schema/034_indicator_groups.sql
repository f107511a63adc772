-- 034_indicator_groups.sql: what the indicators of a scope sum per district, school type and
-- indicator, as the last indicator report of that scope kept it with the schools' facts (027;
-- functions/indicators.sql: xinyu.indicator_groups, xinyu.indicator_facts_refresh,
-- xinyu.indicator_rows).
--
-- Every indicator's numerator, denominator and counts of schools are sums over the schools of
-- their facts, so the sums of a district's schools of one type, kept, take the difference
-- when a few schools' facts are computed again: a night that changes the facts of a hundredth
-- of the schools reads the few hundred groups instead of summing every school's facts anew
-- (a third of a second at 200,000 schools, on every night that changes anything). A group
-- is kept while it has an active school.
--
-- Unlogged, as the facts: a crash of the server empties both, and the next report computes
-- them all.

CREATE UNLOGGED TABLE xinyu.indicator_group (
    scope_key text NOT NULL,  -- of xinyu.indicator_fact_scope
    district_code text NOT NULL,
    school_type text NOT NULL,
    ord integer NOT NULL,     -- the indicator's place in the order of INDICATORS.md
    indicator text NOT NULL,
    -- numerator and denominator are sums of the schools' figures, which have none when no
    -- school gives them (xinyu.indicator_groups): kept as 0 then, and read as NULL when no
    -- school counts (schools = 0); else they are counts of schools
    summed boolean NOT NULL,
    numerator numeric NOT NULL,
    denominator numeric NOT NULL,
    schools bigint NOT NULL,
    schools_no_data bigint NOT NULL,
    PRIMARY KEY (scope_key, district_code, school_type, ord)
);

COMMENT ON TABLE xinyu.indicator_group IS
    'Per scope, district, school type and indicator, the sums of the kept facts of xinyu.indicator_fact (xinyu.indicator_groups), kept up to date with them by xinyu.indicator_facts_refresh.';

GRANT SELECT, INSERT, UPDATE, DELETE ON xinyu.indicator_group TO xinyu_report;
