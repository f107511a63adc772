-- 009_quality_speed.sql: the outliers of the data-quality report (sql/007_quality.sql) at
-- the scale of a province, and a threefold change from the previous term narrowed to what an
-- inspector can act on (docs/DECISIONS.md, "Data quality at scale").
--
-- xinyu.quality_outliers(periods, run_id) keeps the columns of 007's quality_outliers(periods)
-- and takes a run like the rejections and the warnings: with a run's id it lists the outliers
-- among the current submissions that run loaded (what a nightly report says is new; the
-- medians are still those of every current submission of the district and term), with NULL
-- every outlier of the terms:
--   district_median  unchanged: value > 10 x the median of that field over the district's
--                    current submissions of the term by active schools (percentile_cont(0.5));
--                    a median of 0 flags nothing; reference = the median, ratio = value /
--                    median. The same values, compared in the same types, as 007 did.
--   term_change      now only the fields that describe the school rather than the term's
--                    activity (pupils, pupils of grade 4 and up, classes, head teachers,
--                    subject teachers), and only when the previous term's value was at least
--                    10: value > 3 x, or < 1/3 of, that value. Counselling sessions, parent
--                    trainings, incidents and the like differ between terms by nature (a
--                    spring term's group sessions, none in autumn), and psychology staff are
--                    small numbers (1 -> 3 teachers is one hire): most schools of a province
--                    changed one of those threefold, which nobody could act on.
--
-- 007 unpivoted the 37 fields of every current submission (14 million rows at 200,000
-- schools) and sorted them per term, district and field for the median. Here the medians
-- are taken in column form, one group per term and district with one ordered-set aggregate
-- per field; each submission is then joined to its district's medians and unpivoted only
-- when one of its values is over ten times its median (a loose ratio test that the exact
-- comparison follows), and to its previous term only for the five fields above.
-- Double precision fields go through numeric as in 007 (15 significant digits), so that the
-- medians and comparisons are the same numbers.

DROP FUNCTION xinyu.quality_outliers(text[]);

CREATE FUNCTION xinyu.quality_outliers(p_periods text[], p_run_id bigint)
RETURNS TABLE (
    kind text,
    period text,
    district_code text,
    district_name text,
    school_code text,
    school_name text,
    field text,  -- the column of xinyu.submission
    path text,   -- the JSON path in the submission
    value numeric,
    reference numeric,
    ratio double precision
)
LANGUAGE sql STABLE PARALLEL SAFE
SET work_mem = '256MB'
AS $$
WITH cur AS (
    -- the current submissions of the scope's terms by active schools, with the registry's
    -- district
    SELECT s.school_code, sc.district_code, s.period, s.run_id,
           s.enrolled_total,
           s.enrolled_grade4_up,
           s.classes_total,
           s.staff_psych_fulltime,
           s.staff_psych_parttime,
           s.staff_psych_fulltime_degree,
           s.staff_psych_cert_a,
           s.staff_parttime_3yr_head,
           s.staff_head_teachers,
           s.staff_head_teachers_cert_b,
           s.staff_subject_teachers,
           s.staff_subject_teachers_cert_c,
           s.funding_psych_yuan,
           s.curriculum_theme_meetings,
           s.curriculum_special_activities,
           s.counseling_open_hours_per_week,
           s.counseling_individual_sessions,
           s.counseling_group_sessions,
           s.counseling_group_participants,
           s.screening_students_screened,
           s.screening_students_flagged,
           s.screening_archives,
           s.care_left_behind,
           s.care_single_parent,
           s.care_special_needs,
           s.home_school_parent_trainings,
           s.home_school_psych_parent_trainings,
           s.home_school_parent_attendees,
           s.home_school_home_visit_rate,
           s.training_all_staff_sessions,
           s.training_hours_psych_and_head,
           s.crisis_incidents,
           s.crisis_referrals,
           s.research_city_awards,
           s.research_papers,
           s.research_books,
           s.research_years_of_practice
    FROM xinyu.submission s
    JOIN xinyu.school sc ON sc.school_code = s.school_code
    WHERE s.is_current
      AND s.period = ANY (p_periods)
      AND sc.active
      -- for a run, the districts and terms of what it loaded: their medians are needed
      AND (p_run_id IS NULL
           OR (s.period, sc.district_code) IN (SELECT r.period, r.district_code
                                               FROM xinyu.submission r
                                               WHERE r.run_id = p_run_id AND r.is_current))
),
median AS (
    SELECT c.period, c.district_code,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY c.enrolled_total::double precision) AS enrolled_total,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY c.enrolled_grade4_up::double precision) AS enrolled_grade4_up,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY c.classes_total::double precision) AS classes_total,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY c.staff_psych_fulltime::double precision) AS staff_psych_fulltime,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY c.staff_psych_parttime::double precision) AS staff_psych_parttime,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY c.staff_psych_fulltime_degree::double precision) AS staff_psych_fulltime_degree,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY c.staff_psych_cert_a::double precision) AS staff_psych_cert_a,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY c.staff_parttime_3yr_head::double precision) AS staff_parttime_3yr_head,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY c.staff_head_teachers::double precision) AS staff_head_teachers,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY c.staff_head_teachers_cert_b::double precision) AS staff_head_teachers_cert_b,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY c.staff_subject_teachers::double precision) AS staff_subject_teachers,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY c.staff_subject_teachers_cert_c::double precision) AS staff_subject_teachers_cert_c,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY c.funding_psych_yuan::double precision) AS funding_psych_yuan,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY c.curriculum_theme_meetings::double precision) AS curriculum_theme_meetings,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY c.curriculum_special_activities::double precision) AS curriculum_special_activities,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY c.counseling_open_hours_per_week::numeric::double precision) AS counseling_open_hours_per_week,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY c.counseling_individual_sessions::double precision) AS counseling_individual_sessions,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY c.counseling_group_sessions::double precision) AS counseling_group_sessions,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY c.counseling_group_participants::double precision) AS counseling_group_participants,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY c.screening_students_screened::double precision) AS screening_students_screened,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY c.screening_students_flagged::double precision) AS screening_students_flagged,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY c.screening_archives::double precision) AS screening_archives,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY c.care_left_behind::double precision) AS care_left_behind,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY c.care_single_parent::double precision) AS care_single_parent,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY c.care_special_needs::double precision) AS care_special_needs,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY c.home_school_parent_trainings::double precision) AS home_school_parent_trainings,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY c.home_school_psych_parent_trainings::double precision) AS home_school_psych_parent_trainings,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY c.home_school_parent_attendees::double precision) AS home_school_parent_attendees,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY c.home_school_home_visit_rate::numeric::double precision) AS home_school_home_visit_rate,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY c.training_all_staff_sessions::double precision) AS training_all_staff_sessions,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY c.training_hours_psych_and_head::numeric::double precision) AS training_hours_psych_and_head,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY c.crisis_incidents::double precision) AS crisis_incidents,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY c.crisis_referrals::double precision) AS crisis_referrals,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY c.research_city_awards::double precision) AS research_city_awards,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY c.research_papers::double precision) AS research_papers,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY c.research_books::double precision) AS research_books,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY c.research_years_of_practice::double precision) AS research_years_of_practice
    FROM cur c
    GROUP BY c.period, c.district_code
),
outlier AS (
    SELECT 'district_median' AS kind, 1 AS kind_ord, c.period, c.district_code, c.school_code,
           v.field, v.path, v.value, v.median::numeric AS reference,
           v.value::double precision / v.median AS ratio
    FROM cur c
    JOIN median m ON m.period = c.period AND m.district_code = c.district_code
    CROSS JOIN LATERAL (VALUES
        ('enrolled_total', 'enrollment.by_grade', c.enrolled_total::numeric, m.enrolled_total),
        ('enrolled_grade4_up', 'enrollment.by_grade (4-12)', c.enrolled_grade4_up::numeric, m.enrolled_grade4_up),
        ('classes_total', 'classes.by_grade', c.classes_total::numeric, m.classes_total),
        ('staff_psych_fulltime', 'staff.psych_fulltime', c.staff_psych_fulltime::numeric, m.staff_psych_fulltime),
        ('staff_psych_parttime', 'staff.psych_parttime', c.staff_psych_parttime::numeric, m.staff_psych_parttime),
        ('staff_psych_fulltime_degree', 'staff.psych_fulltime_degree', c.staff_psych_fulltime_degree::numeric, m.staff_psych_fulltime_degree),
        ('staff_psych_cert_a', 'staff.psych_cert_a', c.staff_psych_cert_a::numeric, m.staff_psych_cert_a),
        ('staff_parttime_3yr_head', 'staff.parttime_3yr_head', c.staff_parttime_3yr_head::numeric, m.staff_parttime_3yr_head),
        ('staff_head_teachers', 'staff.head_teachers', c.staff_head_teachers::numeric, m.staff_head_teachers),
        ('staff_head_teachers_cert_b', 'staff.head_teachers_cert_b', c.staff_head_teachers_cert_b::numeric, m.staff_head_teachers_cert_b),
        ('staff_subject_teachers', 'staff.subject_teachers', c.staff_subject_teachers::numeric, m.staff_subject_teachers),
        ('staff_subject_teachers_cert_c', 'staff.subject_teachers_cert_c', c.staff_subject_teachers_cert_c::numeric, m.staff_subject_teachers_cert_c),
        ('funding_psych_yuan', 'funding.psych_yuan', c.funding_psych_yuan::numeric, m.funding_psych_yuan),
        ('curriculum_theme_meetings', 'curriculum.theme_meetings', c.curriculum_theme_meetings::numeric, m.curriculum_theme_meetings),
        ('curriculum_special_activities', 'curriculum.special_activities', c.curriculum_special_activities::numeric, m.curriculum_special_activities),
        ('counseling_open_hours_per_week', 'counseling.open_hours_per_week', c.counseling_open_hours_per_week::numeric, m.counseling_open_hours_per_week),
        ('counseling_individual_sessions', 'counseling.individual_sessions', c.counseling_individual_sessions::numeric, m.counseling_individual_sessions),
        ('counseling_group_sessions', 'counseling.group_sessions', c.counseling_group_sessions::numeric, m.counseling_group_sessions),
        ('counseling_group_participants', 'counseling.group_participants', c.counseling_group_participants::numeric, m.counseling_group_participants),
        ('screening_students_screened', 'screening.students_screened', c.screening_students_screened::numeric, m.screening_students_screened),
        ('screening_students_flagged', 'screening.students_flagged', c.screening_students_flagged::numeric, m.screening_students_flagged),
        ('screening_archives', 'screening.archives', c.screening_archives::numeric, m.screening_archives),
        ('care_left_behind', 'care.left_behind', c.care_left_behind::numeric, m.care_left_behind),
        ('care_single_parent', 'care.single_parent', c.care_single_parent::numeric, m.care_single_parent),
        ('care_special_needs', 'care.special_needs', c.care_special_needs::numeric, m.care_special_needs),
        ('home_school_parent_trainings', 'home_school.parent_trainings', c.home_school_parent_trainings::numeric, m.home_school_parent_trainings),
        ('home_school_psych_parent_trainings', 'home_school.psych_parent_trainings', c.home_school_psych_parent_trainings::numeric, m.home_school_psych_parent_trainings),
        ('home_school_parent_attendees', 'home_school.parent_attendees', c.home_school_parent_attendees::numeric, m.home_school_parent_attendees),
        ('home_school_home_visit_rate', 'home_school.home_visit_rate', c.home_school_home_visit_rate::numeric, m.home_school_home_visit_rate),
        ('training_all_staff_sessions', 'training.all_staff_sessions', c.training_all_staff_sessions::numeric, m.training_all_staff_sessions),
        ('training_hours_psych_and_head', 'training.hours_psych_and_head', c.training_hours_psych_and_head::numeric, m.training_hours_psych_and_head),
        ('crisis_incidents', 'crisis.incidents', c.crisis_incidents::numeric, m.crisis_incidents),
        ('crisis_referrals', 'crisis.referrals', c.crisis_referrals::numeric, m.crisis_referrals),
        ('research_city_awards', 'research.city_awards', c.research_city_awards::numeric, m.research_city_awards),
        ('research_papers', 'research.papers', c.research_papers::numeric, m.research_papers),
        ('research_books', 'research.books', c.research_books::numeric, m.research_books),
        ('research_years_of_practice', 'research.years_of_practice', c.research_years_of_practice::numeric, m.research_years_of_practice)
    ) AS v(field, path, value, median)
    -- only the submissions with a value over about ten times its median are unpivoted (NULL
    -- ratios, those of a median of 0 or of no value, are ignored by greatest)
    WHERE greatest(
              c.enrolled_total / nullif(m.enrolled_total, 0),
              c.enrolled_grade4_up / nullif(m.enrolled_grade4_up, 0),
              c.classes_total / nullif(m.classes_total, 0),
              c.staff_psych_fulltime / nullif(m.staff_psych_fulltime, 0),
              c.staff_psych_parttime / nullif(m.staff_psych_parttime, 0),
              c.staff_psych_fulltime_degree / nullif(m.staff_psych_fulltime_degree, 0),
              c.staff_psych_cert_a / nullif(m.staff_psych_cert_a, 0),
              c.staff_parttime_3yr_head / nullif(m.staff_parttime_3yr_head, 0),
              c.staff_head_teachers / nullif(m.staff_head_teachers, 0),
              c.staff_head_teachers_cert_b / nullif(m.staff_head_teachers_cert_b, 0),
              c.staff_subject_teachers / nullif(m.staff_subject_teachers, 0),
              c.staff_subject_teachers_cert_c / nullif(m.staff_subject_teachers_cert_c, 0),
              c.funding_psych_yuan / nullif(m.funding_psych_yuan, 0),
              c.curriculum_theme_meetings / nullif(m.curriculum_theme_meetings, 0),
              c.curriculum_special_activities / nullif(m.curriculum_special_activities, 0),
              c.counseling_open_hours_per_week / nullif(m.counseling_open_hours_per_week, 0),
              c.counseling_individual_sessions / nullif(m.counseling_individual_sessions, 0),
              c.counseling_group_sessions / nullif(m.counseling_group_sessions, 0),
              c.counseling_group_participants / nullif(m.counseling_group_participants, 0),
              c.screening_students_screened / nullif(m.screening_students_screened, 0),
              c.screening_students_flagged / nullif(m.screening_students_flagged, 0),
              c.screening_archives / nullif(m.screening_archives, 0),
              c.care_left_behind / nullif(m.care_left_behind, 0),
              c.care_single_parent / nullif(m.care_single_parent, 0),
              c.care_special_needs / nullif(m.care_special_needs, 0),
              c.home_school_parent_trainings / nullif(m.home_school_parent_trainings, 0),
              c.home_school_psych_parent_trainings / nullif(m.home_school_psych_parent_trainings, 0),
              c.home_school_parent_attendees / nullif(m.home_school_parent_attendees, 0),
              c.home_school_home_visit_rate / nullif(m.home_school_home_visit_rate, 0),
              c.training_all_staff_sessions / nullif(m.training_all_staff_sessions, 0),
              c.training_hours_psych_and_head / nullif(m.training_hours_psych_and_head, 0),
              c.crisis_incidents / nullif(m.crisis_incidents, 0),
              c.crisis_referrals / nullif(m.crisis_referrals, 0),
              c.research_city_awards / nullif(m.research_city_awards, 0),
              c.research_papers / nullif(m.research_papers, 0),
              c.research_books / nullif(m.research_books, 0),
              c.research_years_of_practice / nullif(m.research_years_of_practice, 0)) > 9.99
      AND v.median > 0
      AND v.value::double precision > 10 * v.median
      AND (p_run_id IS NULL OR c.run_id = p_run_id)
    UNION ALL
    SELECT 'term_change', 2, c.period, c.district_code, c.school_code, v.field, v.path, v.value,
           v.prev, (v.value / v.prev)::double precision
    FROM cur c
    JOIN xinyu.submission p
      ON p.school_code = c.school_code AND p.period = xinyu.previous_period(c.period) AND p.is_current
    CROSS JOIN LATERAL (VALUES
        ('enrolled_total', 'enrollment.by_grade', c.enrolled_total::numeric, p.enrolled_total::numeric),
        ('enrolled_grade4_up', 'enrollment.by_grade (4-12)', c.enrolled_grade4_up::numeric, p.enrolled_grade4_up::numeric),
        ('classes_total', 'classes.by_grade', c.classes_total::numeric, p.classes_total::numeric),
        ('staff_head_teachers', 'staff.head_teachers', c.staff_head_teachers::numeric, p.staff_head_teachers::numeric),
        ('staff_subject_teachers', 'staff.subject_teachers', c.staff_subject_teachers::numeric, p.staff_subject_teachers::numeric)
    ) AS v(field, path, value, prev)
    WHERE v.prev >= 10
      AND (v.value > 3 * v.prev OR 3 * v.value < v.prev)
      AND (p_run_id IS NULL OR c.run_id = p_run_id)
)
SELECT o.kind, o.period, o.district_code, d.district_name, o.school_code, sc.school_name,
       o.field, o.path, o.value, o.reference, o.ratio
FROM outlier o
JOIN xinyu.school sc ON sc.school_code = o.school_code
JOIN xinyu.district d ON d.district_code = o.district_code
-- term, district and school in byte order (the order of 007 for their fixed formats of
-- digits), which the feedback letters rely on to read this list alongside others
ORDER BY o.period COLLATE "C", o.district_code COLLATE "C", o.school_code COLLATE "C", o.kind_ord,
         o.field
$$;

COMMENT ON FUNCTION xinyu.quality_outliers(text[], bigint) IS
    'Values more than 10x the district median of the term, or pupils, classes or teachers changed more than 3x from a previous term''s value of at least 10 (SUBMISSION.md section 3).';

GRANT EXECUTE ON FUNCTION xinyu.quality_outliers(text[], bigint) TO xinyu_report;
