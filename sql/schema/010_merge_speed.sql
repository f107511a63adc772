-- 010_merge_speed.sql: the per-grade figures move onto the submission row.
--
-- xinyu.submission_grade held about six rows per submission (at 200,000 schools, 2 million
-- rows, each written by the merge and joined back by every indicator query);
-- xinyu.submission now holds three arrays indexed by grade (1 to 12), as the school sent
-- them, NULL where it sent nothing:
--   grade_enrolled[g], grade_classes[g], grade_lessons[g]
-- and lessons_total, the sum of the lessons given (NULL when no grade gives any). The loader
-- computes them in C (transform/xform_load.c, xf_derived_cells). xinyu.submission_grade
-- remains, as a view with the rows and columns of the former table, for people and tools
-- that read grades as rows.

ALTER TABLE xinyu.submission
    ADD COLUMN grade_enrolled integer[]
        CHECK (cardinality(grade_enrolled) = 12 AND 0 <= ALL (grade_enrolled)),
    ADD COLUMN grade_classes integer[]
        CHECK (cardinality(grade_classes) = 12 AND 0 <= ALL (grade_classes)),
    ADD COLUMN grade_lessons integer[]
        CHECK (cardinality(grade_lessons) = 12 AND 0 <= ALL (grade_lessons)),
    ADD COLUMN lessons_total bigint CHECK (lessons_total >= 0);

-- The submissions stored before: their grade rows into the arrays (a submission without
-- grade rows gets twelve NULLs, which is what its missing rows said).
UPDATE xinyu.submission s
SET grade_enrolled = g.enrolled, grade_classes = g.classes, grade_lessons = g.lessons,
    lessons_total = g.total
FROM (SELECT ids.submission_id,
             array_agg(sg.enrolled ORDER BY n.grade) AS enrolled,
             array_agg(sg.classes ORDER BY n.grade) AS classes,
             array_agg(sg.lessons ORDER BY n.grade) AS lessons,
             sum(sg.lessons) AS total
      FROM xinyu.submission ids
      CROSS JOIN generate_series(1, 12) AS n(grade)
      LEFT JOIN xinyu.submission_grade sg
             ON sg.submission_id = ids.submission_id AND sg.grade = n.grade
      GROUP BY ids.submission_id) g
WHERE s.submission_id = g.submission_id;

ALTER TABLE xinyu.submission
    ALTER COLUMN grade_enrolled SET NOT NULL,
    ALTER COLUMN grade_classes SET NOT NULL,
    ALTER COLUMN grade_lessons SET NOT NULL;

DROP TABLE xinyu.submission_grade;

-- A grade of a submission appears when any of its three values was sent, as in the table.
CREATE VIEW xinyu.submission_grade AS
SELECT s.submission_id, s.district_code, g.grade::smallint AS grade, g.enrolled, g.classes,
       g.lessons
FROM xinyu.submission s
CROSS JOIN LATERAL unnest(s.grade_enrolled, s.grade_classes, s.grade_lessons)
    WITH ORDINALITY AS g(enrolled, classes, lessons, grade)
WHERE num_nonnulls(g.enrolled, g.classes, g.lessons) > 0;

COMMENT ON VIEW xinyu.submission_grade IS
    'Per-grade figures of each submission as rows, from the arrays of xinyu.submission.';

GRANT SELECT ON xinyu.submission_grade TO xinyu_ingest, xinyu_report;
