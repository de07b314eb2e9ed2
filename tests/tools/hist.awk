# hist.awk: add up a BCC text histogram (log2 or linear) as the scheduler tests read it.
#   awk -v sect='pid = 123' -v lo=256 -f hist.awk FILE   prints "TOTAL AT_LEAST"
# TOTAL: the counts of the section titled SECT (empty: of every histogram in FILE);
# AT_LEAST: those in slots whose low bound is LO or more. Sections are BCC's "name = value"
# title lines.
BEGIN { on = (sect == ""); total = 0; above = 0 }
/^[a-z]+ = / && !/->/ && !/^avg = / { on = (sect == "" || $0 == sect); next }
on && $1 ~ /^[0-9]+$/ && $2 == "->" { total += $5; if ($1 + 0 >= lo + 0) above += $5; next }
on && $1 ~ /^[0-9]+$/ && $2 == ":" { total += $3; if ($1 + 0 >= lo + 0) above += $3 }
END { print total, above }
