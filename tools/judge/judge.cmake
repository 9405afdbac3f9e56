# The grader's judge, built by ./lab grade in build/grade/judge (CNNLAB_JUDGE_EXERCISES set; see proxy.cpp and
# docs/teachers.md). Built once for a whole class, from the teacher's tree only:
#   judge_<layer>        tests/test_<layer>.cpp's objects with tools/judge/proxy.cpp in place of any exercise
#                        code: ctest tests labelled "exercise" (so labreport reads them as ./lab check's)
#   judge_hidden         tests/grading/hidden_cases.cpp: cases the handout does not hold, drawn at grading time
#   cnnlab_reference_runner  the runner with solutions/, which the hidden cases compare against
# and once per student:
#   cnnlab_runner        the runner with the student's files, copied into ${CNNLAB_JUDGE_EXERCISES}/exercises
#                        under the teacher's file names (a missing one as a fresh stub)
set(judge_dir ${PROJECT_SOURCE_DIR}/tools/judge)
file(GLOB judge_names RELATIVE ${PROJECT_SOURCE_DIR}/exercises CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/exercises/*.cpp)
set(judge_student_sources)
foreach(name IN LISTS judge_names)
  list(APPEND judge_student_sources ${CNNLAB_JUDGE_EXERCISES}/exercises/${name})
endforeach()
add_executable(cnnlab_runner ${judge_dir}/runner.cpp ${judge_student_sources})
target_include_directories(cnnlab_runner PRIVATE ${judge_dir})
target_link_libraries(cnnlab_runner PRIVATE cnncore xtensor-blas)
# the student's files get the warnings of exercises/ (never errors); the runner's own code is ours
set_source_files_properties(${judge_student_sources} PROPERTIES COMPILE_OPTIONS
  "${CNNLAB_WARNINGS};-Wno-unused-parameter;-Wno-unused-variable;-Wno-unused-but-set-variable;-Wno-unused-function")
set_source_files_properties(${judge_dir}/runner.cpp PROPERTIES COMPILE_OPTIONS "${CNNLAB_WARNINGS};-Werror")

add_executable(cnnlab_reference_runner ${judge_dir}/runner.cpp)
target_include_directories(cnnlab_reference_runner PRIVATE ${judge_dir})
target_link_libraries(cnnlab_reference_runner PRIVATE cnnlab_solutions cnncore)

add_library(judge_proxy OBJECT ${judge_dir}/proxy.cpp)
target_include_directories(judge_proxy PRIVATE ${judge_dir})
target_link_libraries(judge_proxy PRIVATE cnncore cnnlab_warnings)

add_custom_target(judge_all)
add_dependencies(judge_all cnnlab_reference_runner labreport exgen)
foreach(test_file IN LISTS CNNLAB_LAYER_TESTS)
  get_filename_component(stem ${test_file} NAME_WE)
  string(REGEX REPLACE "^test_" "" layer ${stem})
  add_executable(judge_${layer} $<TARGET_OBJECTS:${stem}_obj> $<TARGET_OBJECTS:judge_proxy>)
  target_link_libraries(judge_${layer} PRIVATE cnncore xtensor-blas)
  cnnlab_add_test_program(judge_${layer} exercise ${layer} 600)
  add_dependencies(judge_all judge_${layer})
endforeach()
add_executable(judge_hidden ${PROJECT_SOURCE_DIR}/tests/grading/hidden_cases.cpp $<TARGET_OBJECTS:judge_proxy>)
target_include_directories(judge_hidden PRIVATE ${PROJECT_SOURCE_DIR}/tests ${judge_dir})
target_link_libraries(judge_hidden PRIVATE cnncore cnnlab_warnings)
cnnlab_add_test_program(judge_hidden exercise hidden 600)
add_dependencies(judge_all judge_hidden)
