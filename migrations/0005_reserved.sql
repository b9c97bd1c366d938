-- qbi-runner queue schema, version 5: reserved. Version 5 belongs to a change of the queue made
-- on another branch at the same time; this empty step keeps the numbers without gaps until the
-- branches meet, when that migration replaces this file.
SELECT 1;
