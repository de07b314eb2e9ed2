# A man page from a page template and a program's --help: the template's @OPTIONS@ and
# @EXAMPLES@ become the "options:" and "examples:" blocks of the help text as roff (.TP
# entries), so the page lists exactly the options and examples the program has;
# @SEE_ALSO@ the pages named in -DSEE_ALSO="a b" (section 8). Other @VAR@s come with -D.
#   cmake -DHELP=help.txt -DIN=page.8.in -DOUT=page.8 [-DVAR=value...] -P help2man.cmake
cmake_minimum_required(VERSION 3.18)

# The lines of the block after a "TITLE:" line up to the next empty line, escaped for roff
# (backslashes, minus signs), in OUT. A ';' in the text is kept (as the placeholder
# <semi>, put back at the end) instead of splitting the CMake list.
file(READ "${HELP}" text)
string(REPLACE ";" "<semi>" text "${text}")
string(REPLACE "\\" "\\e" text "${text}")
string(REPLACE "-" "\\-" text "${text}")
string(REPLACE "\n" ";" all "${text}")
function(help_block title out)
  set(inside FALSE)
  set(block)
  foreach(line IN LISTS all)
    if(line STREQUAL "${title}:")
      set(inside TRUE)
    elseif(inside AND line STREQUAL "")
      break()
    elseif(inside)
      list(APPEND block "${line}")
    endif()
  endforeach()
  set(${out} "${block}" PARENT_SCOPE)
endfunction()

# "  -v, --verbose    help": the option (up to two spaces) in bold, value names (DIR,
# FILE) in italics, then its help; deeper-indented lines continue the help.
help_block(options lines)
set(OPTIONS "")
foreach(line IN LISTS lines)
  if(line MATCHES "^  (\\\\-[^ ]+( [^ ]+)*)(  +(.*))?$")
    set(help "${CMAKE_MATCH_4}")
    string(REGEX REPLACE " ([A-Z][A-Z_]*)" " \\\\fI\\1\\\\fB" left "${CMAKE_MATCH_1}")
    string(APPEND OPTIONS ".TP\n\\fB${left}\\fR\n")
  else()
    string(STRIP "${line}" help)
  endif()
  if(help)
    string(REGEX REPLACE "^([.'])" "\\\\&\\1" help "${help}") # not a roff request
    string(APPEND OPTIONS "${help}\n")
  endif()
endforeach()

# "  command    # what it does"
help_block(examples lines)
set(EXAMPLES "")
foreach(line IN LISTS lines)
  string(STRIP "${line}" line)
  if(line MATCHES "^(.*[^ ]) +# *(.*)$")
    string(APPEND EXAMPLES ".TP\n\\fB${CMAKE_MATCH_1}\\fR\n${CMAKE_MATCH_2}\n")
  elseif(line)
    string(APPEND EXAMPLES ".TP\n\\fB${line}\\fR\n")
  endif()
endforeach()

foreach(v OPTIONS EXAMPLES)
  string(REGEX REPLACE "\n$" "" ${v} "${${v}}")
  string(REPLACE "<semi>" ";" ${v} "${${v}}")
endforeach()
separate_arguments(pages UNIX_COMMAND "${SEE_ALSO}")
list(TRANSFORM pages PREPEND ".BR ")
list(TRANSFORM pages APPEND " (8)")
string(REPLACE ";" ",\n" SEE_ALSO "${pages}")
configure_file("${IN}" "${OUT}" @ONLY)
