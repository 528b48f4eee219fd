# The checking runtime (libstork-check.a: the reference runtime, the checks, the scheduler and
# the explorer, with main()) and the scenarios shipped in check/scenarios/, each built into an
# audit program, normally and under ASan+UBSan (check/asan/) for the tests.
set(CHECK_SOURCES ${H}/check/sched.c ${H}/check/runtime.c ${H}/check/report.c
    ${H}/check/explore.c ${H}/check/main.c ${H}/check/audit_report.c ${H}/check/defects.c ${H}/check/replay_file.c
    ${H}/check/supervise.c ${H}/check/livelock.c ${H}/check/race.c ${H}/check/driver.c ${H}/check/por.c ${H}/check/reduce.c ${H}/check/writes.c ${H}/check/globals.c ${H}/replay/fiber.c ${H}/impl/reference/reference.c)
set(CHECK_OUT ${CMAKE_CURRENT_BINARY_DIR}/check)
file(GLOB CHECK_SCENARIOS CONFIGURE_DEPENDS ${H}/check/scenarios/*.c)
# The variants (scenarios/variants.txt: NAME BASE NAME=VALUE... [audit: OPTION...] expect: ...),
# each a base built with its defect switches: CHECK_VARIANTS holds their names, VARIANT_<name>
# "BASE;SWITCH;...".  Their audit options are the tests' (conformance/stork/scenarios.py).
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${H}/check/scenarios/variants.txt)
file(STRINGS ${H}/check/scenarios/variants.txt variant_lines REGEX "^[a-z]")
set(CHECK_VARIANTS)
foreach(line ${variant_lines})
  string(REGEX REPLACE " +expect: .*$" "" head "${line}")
  string(REGEX REPLACE " +audit: .*$" "" head "${head}")
  string(REGEX REPLACE " +" ";" words "${head}")
  list(POP_FRONT words vname)
  list(APPEND CHECK_VARIANTS ${vname})
  set(VARIANT_${vname} ${words})
endforeach()

# One audit program: the scenario compiled, its writable sections renamed so that globals.c can
# put its globals back before each run (conformance/stork/audit.py renames the same), and linked
# with the checking runtime.
if(NOT CMAKE_OBJCOPY)
  find_program(CMAKE_OBJCOPY objcopy REQUIRED)
endif()
set(STORK_GLOBALS_RENAME
    --rename-section .data=stork_scenario_data --rename-section .data.rel=stork_scenario_data
    --rename-section .data.rel.local=stork_scenario_data --rename-section .bss=stork_scenario_bss)
file(MAKE_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR}/audit-objects)
function(stork_audit_program target source outname outdir flags defines v)
  add_library(${target}-object OBJECT ${source})
  target_link_libraries(${target}-object PRIVATE stork-check${v})
  if(flags)
    target_compile_options(${target}-object PRIVATE ${flags})
  endif()
  if(defines)
    target_compile_definitions(${target}-object PRIVATE ${defines})
  endif()
  set(renamed ${CMAKE_CURRENT_BINARY_DIR}/audit-objects/${target}.o)
  add_custom_command(OUTPUT ${renamed}
                     COMMAND ${CMAKE_OBJCOPY} ${STORK_GLOBALS_RENAME}
                             $<TARGET_OBJECTS:${target}-object> ${renamed}
                     DEPENDS $<TARGET_OBJECTS:${target}-object> COMMAND_EXPAND_LISTS VERBATIM)
  add_executable(${target} ${renamed})
  add_dependencies(${target} ${target}-object)  # the objects before objcopy, also under -j
  set_source_files_properties(${renamed} PROPERTIES EXTERNAL_OBJECT TRUE GENERATED TRUE)
  target_link_libraries(${target} PRIVATE stork-check${v})
  set_target_properties(${target} PROPERTIES LINKER_LANGUAGE C OUTPUT_NAME ${outname}
                        RUNTIME_OUTPUT_DIRECTORY ${outdir}/scenarios)
endfunction()

foreach(v "" _asan)
  add_library(stork-check${v} STATIC ${CHECK_SOURCES})
  target_include_directories(stork-check${v} PUBLIC ${H}/check/include ${H}/include
                             PRIVATE ${H}/check ${H}/replay)
  target_compile_definitions(stork-check${v} PRIVATE _GNU_SOURCE)
  target_link_libraries(stork-check${v} PUBLIC Threads::Threads m)
  set_target_properties(stork-check${v} PROPERTIES POSITION_INDEPENDENT_CODE ON)
  if(v STREQUAL "_asan")
    set(vflags ${STORK_ASAN_FLAGS} -O1 -g)
    set(vout ${CHECK_OUT}/asan)
  else()
    set(vflags)
    if(NOT CMAKE_BUILD_TYPE)
      set(vflags -O2 -g)
    endif()
    set(vout ${CHECK_OUT})
  endif()
  set_target_properties(stork-check${v} PROPERTIES ARCHIVE_OUTPUT_DIRECTORY ${vout}
                        OUTPUT_NAME stork-check)
  if(vflags)
    target_compile_options(stork-check${v} PRIVATE ${vflags})
    target_link_options(stork-check${v} PUBLIC ${vflags})
  endif()
  set(scenario_flags ${vflags})
  if(NOT v STREQUAL "_asan")
    # The scenario's accesses, for the data-race check (race.c): instrumented at compile time
    # only; the hooks are the checking runtime's, no TSan runtime is linked.  (ASan and TSan
    # instrumentation do not go together: the asan variants check no races.)
    list(APPEND scenario_flags -fsanitize=thread)
  endif()
  foreach(s ${CHECK_SCENARIOS})
    get_filename_component(name ${s} NAME_WE)
    stork_audit_program(audit-${name}${v} ${s} ${name} ${vout} "${scenario_flags}" "" "${v}")
  endforeach()
  foreach(vname ${CHECK_VARIANTS})
    set(switches ${VARIANT_${vname}})
    list(POP_FRONT switches base)
    stork_audit_program(audit-${vname}${v} ${H}/check/scenarios/${base}.c ${vname} ${vout}
                        "${scenario_flags}" "${switches};STORK_VARIANT=${vname}" "${v}")
  endforeach()
endforeach()

install(TARGETS stork-check ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBEXECDIR}/stork)
install(DIRECTORY ${H}/check/include/ DESTINATION ${CMAKE_INSTALL_DATADIR}/stork/c-harness/check/include)
install(FILES ${H}/include/stork/impl_abi.h
        DESTINATION ${CMAKE_INSTALL_DATADIR}/stork/c-harness/check/include/stork)
# The shipped scenarios (the case studies among them), for `stork audit` and `stork demo`.
install(DIRECTORY ${H}/check/scenarios DESTINATION ${CMAKE_INSTALL_DATADIR}/stork/c-harness/check)

# Benchmark: `cmake --build . --target bench_audit` prints schedules explored per second on the
# fixed SpcNvme restart scenario against the same scenario's default schedule run repeatedly,
# and the per-schedule cost of the data-race check: the scenario compiled with -fsanitize=thread
# (a second copy, renamed) against the plain one, in the same run.
add_executable(stork-bench-audit ${H}/check/bench/bench_audit.c ${H}/check/scenarios/spcnvme_fixed.c
               ${H}/check/bench/instrumented_scenario.c)
target_include_directories(stork-bench-audit PRIVATE ${H}/check/include ${H}/include)
set_source_files_properties(${H}/check/bench/instrumented_scenario.c PROPERTIES
                            COMPILE_OPTIONS "-fsanitize=thread")
target_include_directories(stork-bench-audit PRIVATE ${H}/check ${H}/replay)
target_compile_definitions(stork-bench-audit PRIVATE _GNU_SOURCE)
target_link_libraries(stork-bench-audit PRIVATE stork-check)
add_custom_target(bench_audit COMMAND stork-bench-audit 1 DEPENDS stork-bench-audit USES_TERMINAL)
install(FILES $<TARGET_FILE:stork-check_asan> DESTINATION ${CMAKE_INSTALL_LIBEXECDIR}/stork/asan)

# The checks that the runtime's answers conform to the contract are live: the same audit program
# built on a deliberately wrong runtime (testdata/bad_impls/never_busy.c: SUCCESS instead of BUSY)
# must stop with an internal error (conformance/tests/test_audit.py).
list(REMOVE_ITEM CHECK_SOURCES ${H}/impl/reference/reference.c)
add_executable(audit-never-busy ${H}/check/scenarios/persistent_busy_handled.c ${CHECK_SOURCES}
               ${STORK_TESTDATA}/bad_impls/never_busy.c)
target_include_directories(audit-never-busy PRIVATE ${H}/check/include ${H}/include ${H}/check
                           ${H}/replay)
target_compile_definitions(audit-never-busy PRIVATE _GNU_SOURCE)
target_link_libraries(audit-never-busy PRIVATE Threads::Threads m)
set_target_properties(audit-never-busy PROPERTIES OUTPUT_NAME persistent_busy_handled_never_busy
                      RUNTIME_OUTPUT_DIRECTORY ${CHECK_OUT}/wrong-runtime)

# Benchmark: `cmake --build . --target bench_por` prints the exhaustive search's schedules and
# seconds with and without its partial-order reduction, side by side, on the case studies and on
# check/bench/ring.c's variants (two and three DPCs, StartIo instances, system threads).
set(RING_VARIANTS "ring:1:1:1" "ring_dpc2:1:2:1" "ring_dpc3:1:3:1" "ring_startio2:2:1:1"
    "ring_startio3:3:1:1" "ring_threads2:2:1:2" "ring_threads3:3:1:3")
set(RING_TARGETS)
foreach(v ${RING_VARIANTS})
  string(REPLACE ":" ";" f ${v})
  list(GET f 0 name)
  list(GET f 1 nstartio)
  list(GET f 2 ndpc)
  list(GET f 3 nthreads)
  add_executable(bench-${name} ${H}/check/bench/ring.c)
  target_link_libraries(bench-${name} PRIVATE stork-check)
  target_compile_definitions(bench-${name} PRIVATE NSTARTIO=${nstartio} NDPC=${ndpc}
                             NTHREADS=${nthreads})
  target_compile_options(bench-${name} PRIVATE -fsanitize=thread)
  set_target_properties(bench-${name} PROPERTIES OUTPUT_NAME ${name} EXCLUDE_FROM_ALL ON
                        RUNTIME_OUTPUT_DIRECTORY ${CHECK_OUT}/bench)
  list(APPEND RING_TARGETS bench-${name})
endforeach()
add_custom_target(bench_por COMMAND ${STORK_PYTHON} ${H}/check/bench/bench_por.py
                  ${CHECK_OUT}/scenarios ${CHECK_OUT}/bench 30
                  DEPENDS ${RING_TARGETS} USES_TERMINAL)

# The reduction (por.c, reduce.c) under ASan+UBSan: the asan audit programs above carry no TSan
# instrumentation, so they run unreduced; these two link the sanitized library with a scenario
# instrumented for the footprints (compile-time only, as always), and search it reduced.
foreach(s free_while_callback_runs spcnvme_overwritten_handle)
  set(src ${s})
  set(switches)
  if(DEFINED VARIANT_${s})                 # a variant: its base with its switches
    set(switches ${VARIANT_${s}})
    list(POP_FRONT switches src)
    list(APPEND switches STORK_VARIANT=${s})
  endif()
  add_executable(audit-reduce-asan-${s} ${H}/check/scenarios/${src}.c)
  target_compile_definitions(audit-reduce-asan-${s} PRIVATE ${switches})
  target_link_libraries(audit-reduce-asan-${s} PRIVATE stork-check_asan)
  target_compile_options(audit-reduce-asan-${s} PRIVATE -fsanitize=thread -g)
  set_target_properties(audit-reduce-asan-${s} PROPERTIES OUTPUT_NAME ${s}
                        RUNTIME_OUTPUT_DIRECTORY ${CHECK_OUT}/asan-reduce)
  add_test(NAME harness.asan.reduction.${s}
           COMMAND audit-reduce-asan-${s} --json --exhaustive --preempt-at-accesses
                   --max-schedules 5000)
  set_tests_properties(harness.asan.reduction.${s} PROPERTIES
                       PASS_REGULAR_EXPRESSION "\"reduced\": true"
                       FAIL_REGULAR_EXPRESSION "STORK-CRASH;runtime error;AddressSanitizer")
endforeach()
