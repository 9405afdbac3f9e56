# Turns one test program into ctest tests, one per Catch2 test case (run after the program is built, like
# Catch2's catch_discover_tests, which cannot give each test labels of its own).
#
#   cmake -DTEST_EXE=... -DKIND=reference|exercise|core -DTOPIC=affine -DTIMEOUT=120 -DWORKDIR=...
#         -DCTEST_FILE=out.cmake -DLIST_FILE=out.tsv -P discover.cmake
#
# Every test gets the labels KIND, TOPIC and fn:<function> for each exercise function it grades (its Catch2 tags
# [fn:<function>]); in the exercise build only tests that grade an exercise function are registered. A test that
# runs into a stub prints "not implemented: ..." and is reported as skipped. LIST_FILE gets a line per test,
# "<ctest name><TAB><functions separated by spaces>", which tools/labreport reads.
execute_process(COMMAND "${TEST_EXE}" --cnnlab-list OUTPUT_VARIABLE listing RESULT_VARIABLE rc ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "discover.cmake: '${TEST_EXE} --cnnlab-list' failed (${rc}): ${err}")
endif()

# Arguments go into the script as bracket arguments, which need no escaping.
set(script "")
set(list_text "")
string(REPLACE ";" "\\;" listing "${listing}")
string(REPLACE "\n" ";" lines "${listing}")
foreach(line IN LISTS lines)
  if(line STREQUAL "")
    continue()
  endif()
  string(FIND "${line}" "\t" tab)
  string(SUBSTRING "${line}" 0 ${tab} name)
  math(EXPR after "${tab} + 1")
  string(SUBSTRING "${line}" ${after} -1 tags)        # [relu][known][fn:relu_forward]
  string(REGEX MATCHALL "\\[fn:[A-Za-z0-9_]+\\]" fn_tags "${tags}")
  set(functions "")
  set(labels "${KIND};${TOPIC}")
  foreach(tag IN LISTS fn_tags)
    string(REGEX REPLACE "^\\[fn:(.*)\\]$" "\\1" f "${tag}")
    list(APPEND functions "${f}")
    list(APPEND labels "fn:${f}")
  endforeach()
  if(KIND STREQUAL "exercise" AND NOT functions)
    continue()  # tests of library code (fast paths) are not exercises
  endif()
  # Catch2 reads , [ ] and \ in a test spec specially: escape them.
  set(spec "${name}")
  foreach(char \\ , [ ])
    string(REPLACE "${char}" "\\${char}" spec "${spec}")
  endforeach()
  set(test "${KIND}/${name}")
  string(APPEND script "add_test([==[${test}]==] [==[${TEST_EXE}]==] [==[${spec}]==])\n")
  set(skip "")
  if(KIND STREQUAL "exercise" OR SKIP_STUBS)
    set(skip " SKIP_REGULAR_EXPRESSION \"not implemented: \"")
  endif()
  string(APPEND script "set_tests_properties([==[${test}]==] PROPERTIES LABELS [==[${labels}]==] TIMEOUT ${TIMEOUT}"
                       " WORKING_DIRECTORY [==[${WORKDIR}]==]${skip})\n")
  string(REPLACE ";" " " fn_text "${functions}")
  string(APPEND list_text "${test}\t${fn_text}\n")
endforeach()

file(WRITE "${CTEST_FILE}" "${script}")
file(WRITE "${LIST_FILE}" "${list_text}")
