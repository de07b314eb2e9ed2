# A man page from a page template and a program's --help: the template's @OPTIONS@ becomes
# the "options:" block of the help text as roff (.TP entries), so the page lists exactly
# the options the program has; @SEE_ALSO@ the pages named in -DSEE_ALSO="a b" (section 8).
# Other @VAR@s are passed with -D.
#   cmake -DHELP=help.txt -DIN=page.8.in -DOUT=page.8 [-DVAR=value...] -P help2man.cmake
file(STRINGS "${HELP}" lines)
set(in_options FALSE)
set(OPTIONS "")
foreach(line IN LISTS lines)
  if(line STREQUAL "options:")
    set(in_options TRUE)
    continue()
  endif()
  if(NOT in_options)
    continue()
  endif()
  if(line STREQUAL "")
    break()
  endif()
  # roff: backslashes, then minus signs.
  string(REPLACE "\\" "\\e" line "${line}")
  string(REPLACE "-" "\\-" line "${line}")
  if(line MATCHES "^  (\\\\-[^ ].*)$")
    # "  -v, --verbose    help": the option (up to two spaces), then its help.
    set(rest "${CMAKE_MATCH_1}")
    if(rest MATCHES "^([^ ]+( [^ ]+)*)  +(.*)$")
      set(help "${CMAKE_MATCH_3}")
      # Value names (DIR, FILE) in italics.
      string(REGEX REPLACE " ([A-Z][A-Z_]*)" " \\\\fI\\1\\\\fB" left "${CMAKE_MATCH_1}")
      string(APPEND OPTIONS ".TP\n\\fB${left}\\fR\n${help}\n")
    else()
      string(APPEND OPTIONS ".TP\n\\fB${rest}\\fR\n")
    endif()
  else()
    # A continuation of the previous option's help.
    string(STRIP "${line}" line)
    string(REGEX REPLACE "^([.'])" "\\\\&\\1" line "${line}") # not a roff request
    string(APPEND OPTIONS "${line}\n")
  endif()
endforeach()
string(REGEX REPLACE "\n$" "" OPTIONS "${OPTIONS}")
separate_arguments(pages UNIX_COMMAND "${SEE_ALSO}")
list(TRANSFORM pages PREPEND ".BR ")
list(TRANSFORM pages APPEND " (8)")
string(REPLACE ";" ",\n" SEE_ALSO "${pages}")
configure_file("${IN}" "${OUT}" @ONLY)
