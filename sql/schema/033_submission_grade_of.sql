-- 033_submission_grade_of.sql: each grade row of xinyu.submission_grade says whose and which
-- term's it is.
--
-- The audit's clause 11 reads the grades of the current, lessons-reported submissions of a
-- review year (of some schools, for their pages). The view gave only the submission's id, so
-- the audit joined it back to the submissions, a second pass over them (and for a page's few
-- schools, a hash of every submission). With the school, term and flags of the submission
-- beside each grade, it reads the view alone, its conditions on the submission's columns.

CREATE OR REPLACE VIEW xinyu.submission_grade AS
SELECT s.submission_id, s.district_code, g.grade::smallint AS grade, g.enrolled, g.classes,
       g.lessons, s.school_code, s.period, s.is_current, s.lessons_reported
FROM xinyu.submission s
CROSS JOIN LATERAL unnest(s.grade_enrolled, s.grade_classes, s.grade_lessons)
    WITH ORDINALITY AS g(enrolled, classes, lessons, grade)
WHERE num_nonnulls(g.enrolled, g.classes, g.lessons) > 0;
