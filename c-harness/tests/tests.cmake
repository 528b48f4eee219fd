# c-harness tests (ctest).  expect.sh checks an exit status and output patterns together.
# Each case has one home: what `stork replay` prints for the reference, never_busy, a crash, a
# hang and bad input (malformed trace, missing or refused library, no traces) is tested in
# conformance/tests/test_replay.py and test_bad_args.py; here, what those do not: the other
# wrong implementations, batches, packs, --record, versions 2 and 3, the sanitizers, live mode.
set(EXPECT ${H}/tests/expect.sh)
set(R $<TARGET_FILE:stork-replay>)
set(REF $<TARGET_FILE:stork-reference>)
set(T ${STORK_TESTDATA}/traces)
set(GOLDEN ${STORK_TESTDATA}/golden)
set(MALFORMED ${STORK_TESTDATA}/malformed)

# Deliberately wrong implementations (testdata/bad_impls/*.c), built next to the tests.
set(BAD_IMPLS never_busy runs_twice drops_requeue posts_while_running runs_inline leaks prints_summary
    busy_posts_again queue_freed_posts ntstatus_busy
    crash_on_bad hang_on_removal wrong_abi no_entry hang_on_load crash_on_load)
foreach(b ${BAD_IMPLS})
  add_library(bad_${b} MODULE ${STORK_TESTDATA}/bad_impls/${b}.c)
  target_include_directories(bad_${b} PRIVATE ${H}/include)
  target_link_libraries(bad_${b} PRIVATE Threads::Threads)
  set_target_properties(bad_${b} PROPERTIES PREFIX "" LIBRARY_OUTPUT_DIRECTORY
                        ${CMAKE_CURRENT_BINARY_DIR}/bad_impls)
  set(BAD_${b} $<TARGET_FILE:bad_${b}>)
endforeach()

# The trace reader: golden files shared with the Python reader, plus replay-level rejections.
add_test(NAME harness.parser.golden
         COMMAND test_trace_parser ${GOLDEN}/valid ${GOLDEN}/invalid ${MALFORMED})
add_test(NAME harness.parser.hand_written_traces_are_valid
         COMMAND test_trace_parser ${T} ${MALFORMED})

# The reference passes every hand-written trace, one child per trace too.
add_test(NAME harness.replay.reference_one_per_child
         COMMAND ${EXPECT} 0 "^13 passed, 0 failed$" -- ${R} --batch 1 --impl ${REF} ${T})

# NAME: TRACE packed into PACK (in the build folder) and the pack replayed by IMPL, which passes.
function(add_packed_replay_test name impl pack trace)
  add_test(NAME ${name}
           COMMAND sh -c "\"$1\" --pack \"$3\" \"$4\" >/dev/null && \"$0\" 0 '^1 passed, 0 failed$' -- \"$1\" --impl \"$2\" \"$3\""
                   ${EXPECT} ${R} ${impl} ${CMAKE_CURRENT_BINARY_DIR}/${pack} ${trace})
endfunction()
# The command that replays TRACE ($3) with IMPL ($1), recording into DIR ($2), and prints the
# recording of TRACE: run as ${RECORD_AND_PRINT} ${R} IMPL DIR TRACE.  (No `;` in it: CMake
# would split the script there when the list is expanded.)
set(RECORD_AND_PRINT sh -c "rm -rf \"$2\" && (\"$0\" --impl \"$1\" --record \"$2\" \"$3\" >/dev/null || true) && cat \"$2\"/\"\${3##*/}\"")

# Trace version 2: hex statuses.  A hex value equal to a STOR_STATUS is that status (the
# reference passes, also from a pack); any other is compared exactly (the reference returns
# SUCCESS, not it); a pack refuses a trace with one, at its line.
set(V2 ${STORK_TESTDATA}/version2)
add_test(NAME harness.parser.version2_valid
         COMMAND test_trace_parser ${V2} ${MALFORMED})
add_test(NAME harness.replay.version2_hex_named
         COMMAND ${EXPECT} 0 "^1 passed, 0 failed$" -- ${R} --impl ${REF} ${V2}/hex_named.trace)
add_test(NAME harness.replay.version2_hex_unnamed
         COMMAND ${EXPECT} 1 "hex_unnamed.trace:3: call dpc DISPATCH queue w1 cb1 null -> 0xC0000002[|]0xC000009a"
                 "expected 0xC0000002[|]0xC000009a, got SUCCESS \\[a status no rule allows\\]" "^0 passed, 1 failed$"
                 -- ${R} --impl ${REF} ${V2}/hex_unnamed.trace)
add_test(NAME harness.pack.refuses_hex_status
         COMMAND ${EXPECT} 2 "hex_unnamed.trace:3: a hex status that is no STOR_STATUS cannot be packed"
                 -- ${R} --pack ${CMAKE_CURRENT_BINARY_DIR}/hex_unnamed.pack ${V2}/hex_unnamed.trace)
add_packed_replay_test(harness.pack.version2_hex_named ${REF} hex_named.pack ${V2}/hex_named.trace)

# --record writes a status that is no STOR_STATUS in hex, under a `stork-trace 2` header (a
# known NTSTATUS named in a comment before it); a recording without one stays version 1.
set(RECQ ${T}/queue_statuses.trace)
add_test(NAME harness.record.hex_status
         COMMAND ${EXPECT} 0 "^stork-trace 2$" "^# 0x80000011 is STATUS_DEVICE_BUSY, an NTSTATUS"
                 "^call dpc DISPATCH queue w1 cb2 ctx2 -> 0x80000011$"
                 -- ${RECORD_AND_PRINT}
                 ${R} ${BAD_ntstatus_busy} ${CMAKE_CURRENT_BINARY_DIR}/record-hex ${RECQ})
add_test(NAME harness.record.named_statuses_stay_version1
         COMMAND ${EXPECT} 0 "^stork-trace 1$" "^call dpc DISPATCH queue w1 cb2 ctx2 -> BUSY$"
                 -- ${RECORD_AND_PRINT}
                 ${R} ${REF} ${CMAKE_CURRENT_BINARY_DIR}/record-named ${RECQ})

# Trace version 3: an init that re-issues an earlier worker's handle (SUCCESS wN = wM).  The
# replay compares it exactly: mutant 27 (reuses a freed slot and its handle) follows the trace,
# also from a pack, and the reference, which issues a new handle, fails it at that line.
# --record writes the re-issue of a runtime that makes one, under a `stork-trace 3` header (the
# Python tests re-read that recording with check-trace: rejected there, WI-I1).
set(V3 ${STORK_TESTDATA}/version3)
set(M27 $<TARGET_FILE:stork-mutant-27>)
add_test(NAME harness.parser.version3_valid
         COMMAND test_trace_parser ${V3} ${MALFORMED})
add_test(NAME harness.replay.version3_reissue_followed
         COMMAND ${EXPECT} 0 "^2 passed, 0 failed$" -- ${R} --impl ${M27} ${V3})
add_test(NAME harness.replay.version3_reissue_expected
         COMMAND ${EXPECT} 1 "reissue_then_queue.trace:8: call findadapter PASSIVE init -> SUCCESS w2 = w1"
                 "returned a new handle, expected the handle of w1 again: the trace re-issues it as w2.*\\[WI-I1\\]"
                 "^0 passed, 1 failed$" -- ${R} --impl ${REF} ${V3}/reissue_then_queue.trace)
add_packed_replay_test(harness.pack.version3_reissue ${M27} reissue.pack ${V3}/reissue_then_queue.trace)
add_test(NAME harness.record.reissued_handle
         COMMAND ${EXPECT} 0 "^stork-trace 3$" "^call findadapter PASSIVE init -> SUCCESS w2 = w1$"
                 "^# stork replay: the run failed here.*returned the handle of w1 again.*\\[WI-I1\\]"
                 -- ${RECORD_AND_PRINT}
                 ${R} ${M27} ${CMAKE_CURRENT_BINARY_DIR}/record-reissue ${STORK_TESTDATA}/survivors/init_after_free.trace)

# Wrong implementations fail at the right line, with the right complaint.
add_test(NAME harness.replay.runs_twice
         COMMAND ${EXPECT} 1 "oneshot_free_in_callback.trace:8: return sys0 w1"
                 "routine cb1 ran for .* on sys0 without a matching start"
                 -- ${R} --impl ${BAD_runs_twice} ${T}/oneshot_free_in_callback.trace)
add_test(NAME harness.replay.drops_requeue
         COMMAND ${EXPECT} 1 "persistent_requeue.trace:11: start sys0 w1 cb1 null"
                 "no item was posted for w1"
                 -- ${R} --impl ${BAD_drops_requeue} ${T}/persistent_requeue.trace)
add_test(NAME harness.replay.posts_while_running
         COMMAND ${EXPECT} 1 "requeue_in_callback_then_free.trace:7: call sys0 PASSIVE queue w1 cb2 ctx2 -> SUCCESS"
                 "posted an item for w1 while w1's callback is running"
                 -- ${R} --impl ${BAD_posts_while_running} ${T}/requeue_in_callback_then_free.trace)
add_test(NAME harness.replay.runs_inline
         COMMAND ${EXPECT} 1 "oneshot_free_in_callback.trace:5: call dpc DISPATCH queue w1 cb1 ctx1 -> SUCCESS"
                 "ran for w1 inside a call from a miniport routine"
                 -- ${R} --impl ${BAD_runs_inline} ${T}/oneshot_free_in_callback.trace)
add_test(NAME harness.replay.leaks
         COMMAND ${EXPECT} 1 "fail_alloc_bad_handle.trace:10: end" "1 block\\(s\\) from env->alloc not released"
                 -- ${R} --impl ${BAD_leaks} ${T}/fail_alloc_bad_handle.trace)

# Bad input: traces are read a batch at a time, so a malformed one in a later batch still means
# exit 2, and it is reported in preference to a bad library (the traces are checked first).
add_test(NAME harness.replay.malformed_trace_in_a_later_batch
         COMMAND ${EXPECT} 2 "bad_status.trace:3: unknown status 'BUSSY'"
                 -- ${R} --batch 2 --impl ${REF} ${T} ${MALFORMED}/bad_status.trace)
add_test(NAME harness.replay.malformed_trace_before_bad_library
         COMMAND ${EXPECT} 2 "bad_status.trace:3: unknown status 'BUSSY'"
                 -- ${R} --impl /nonexistent/x.so ${T} ${MALFORMED}/bad_status.trace)

# Under AddressSanitizer + UndefinedBehaviorSanitizer: the reader, the reference, the replay
# (including its failure paths: abandoned callbacks, crashes, bad input).
set(RA $<TARGET_FILE:stork-replay_asan>)
set(REFA $<TARGET_FILE:stork-reference_asan>)
add_test(NAME harness.asan.parser.golden
         COMMAND test_trace_parser_asan ${GOLDEN}/valid ${GOLDEN}/invalid ${MALFORMED})
add_test(NAME harness.asan.replay.reference
         COMMAND ${EXPECT} 0 "^13 passed, 0 failed$" -- ${RA} --impl ${REFA} ${T})
add_test(NAME harness.asan.replay.reference_golden_valid
         COMMAND ${EXPECT} 0 "passed, 0 failed$" -- ${RA} --batch 1 --impl ${REFA}
                 ${GOLDEN}/valid/oneshot_free_in_callback.trace ${GOLDEN}/valid/loop_cycle.trace
                 ${GOLDEN}/valid/whitespace_crlf.trace ${GOLDEN}/valid/meta_and_removal.trace)
add_test(NAME harness.asan.replay.wrong_impls
         COMMAND ${EXPECT} 1 "oneshot_free_in_callback.trace:8: return sys0 w1" "^0 passed, 1 failed$"
                 -- ${RA} --impl ${BAD_runs_twice} ${T}/oneshot_free_in_callback.trace)
add_test(NAME harness.asan.replay.posts_while_running
         COMMAND ${EXPECT} 1 "requeue_in_callback_then_free.trace:7:"
                 -- ${RA} --impl ${BAD_posts_while_running} ${T}/requeue_in_callback_then_free.trace)
add_test(NAME harness.asan.replay.crash_isolated
         COMMAND ${EXPECT} 1 "^10 passed, 3 failed$" -- ${RA} --impl ${BAD_crash_on_bad} ${T})
# --record: the recording paths (a passing run, a failed one) under the sanitizers.
add_test(NAME harness.asan.replay.record
         COMMAND ${EXPECT} 0 "^13 passed, 0 failed$"
                 -- ${RA} --impl ${REFA} --record ${CMAKE_CURRENT_BINARY_DIR}/asan-record ${T})
add_test(NAME harness.asan.replay.record_failures
         COMMAND ${EXPECT} 1 "^9 passed, 4 failed$"
                 -- ${RA} --impl ${BAD_never_busy} --record ${CMAKE_CURRENT_BINARY_DIR}/asan-record-bad ${T})
# A re-issued handle (version 3) followed and recorded, and one the runtime makes unasked.
add_test(NAME harness.asan.replay.version3_reissue
         COMMAND ${EXPECT} 1 "^2 passed, 1 failed$"
                 -- ${RA} --impl ${M27} --record ${CMAKE_CURRENT_BINARY_DIR}/asan-record-reissue
                 ${V3} ${STORK_TESTDATA}/survivors/init_after_free.trace)
add_test(NAME harness.asan.replay.malformed_trace
         COMMAND ${EXPECT} 2 "bad_status.trace:3: unknown status 'BUSSY'"
                 -- ${RA} --impl ${REFA} ${MALFORMED}/bad_status.trace)

# The example, built with exactly the one line the README gives, passes the traces via `stork`.
add_test(NAME harness.example.minimal_impl
         COMMAND sh -c "cc -shared -fPIC -I${H}/include -o ${CMAKE_CURRENT_BINARY_DIR}/minimal.so ${H}/examples/minimal_impl.c && ${EXPECT} 0 '^13 passed, 0 failed$' -- ${PROJECT_BINARY_DIR}/stork replay --impl ${CMAKE_CURRENT_BINARY_DIR}/minimal.so ${T}")

# Live mode: many workers initialised, queued, re-queued from callbacks and freed from several
# threads at once; the counts must balance.  Under ThreadSanitizer too (halt on any report).
add_test(NAME harness.live.stress
         COMMAND ${EXPECT} 0 "all balanced" -- $<TARGET_FILE:stork-stress> --threads 4 --system 3 --workers 100 --rounds 30)
add_test(NAME harness.tsan.live.stress
         COMMAND ${EXPECT} 0 "all balanced" -- $<TARGET_FILE:stork-stress_tsan> --threads 4 --system 3 --workers 40 --rounds 10)
set_tests_properties(harness.tsan.live.stress PROPERTIES ENVIRONMENT "TSAN_OPTIONS=halt_on_error=1:exitcode=66")
# ... and the stress test can fail: wrong implementations unbalance the counts.
add_test(NAME harness.live.stress_catches_dropped_requeue
         COMMAND ${EXPECT} 1 "callbacks run - successful queues +-[0-9]+ MISMATCH" "^FAILED$"
                 -- $<TARGET_FILE:stork-stress> --impl ${BAD_drops_requeue})
add_test(NAME harness.live.stress_catches_double_run
         COMMAND ${EXPECT} 1 "callbacks - items run +[0-9]+ MISMATCH" "^FAILED$"
                 -- $<TARGET_FILE:stork-stress> --impl ${BAD_runs_twice})
# ThreadSanitizer does see races: the example has no lock (fine for replay, not for live use).
add_library(minimal_impl_tsan MODULE ${H}/examples/minimal_impl.c)
target_include_directories(minimal_impl_tsan PRIVATE ${H}/include)
target_compile_options(minimal_impl_tsan PRIVATE -fsanitize=thread -g)
target_link_options(minimal_impl_tsan PRIVATE -fsanitize=thread)
set_target_properties(minimal_impl_tsan PROPERTIES PREFIX "" LIBRARY_OUTPUT_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR}/live-tsan)
add_test(NAME harness.tsan.live.catches_unlocked_impl
         COMMAND ${EXPECT} 66 "ThreadSanitizer: data race"
                 -- $<TARGET_FILE:stork-stress_tsan> --impl $<TARGET_FILE:minimal_impl_tsan> --workers 10 --rounds 2)
set_tests_properties(harness.tsan.live.catches_unlocked_impl PROPERTIES ENVIRONMENT "TSAN_OPTIONS=halt_on_error=1:exitcode=66")

# The fuzz corpus once through the fuzz target (no libFuzzer needed), under ASan+UBSan.
add_test(NAME harness.fuzz.corpus COMMAND ${EXPECT} 0 "corpus inputs run"
         -- $<TARGET_FILE:fuzz_run_corpus_asan> ${STORK_TESTDATA}/fuzz/trace)

# The benchmark keeps working: a small run, whose baseline must first catch three wrong
# variants of the reference (else it exits 1) and whose replay must pass every trace.
add_test(NAME harness.bench.smoke
         COMMAND ${EXPECT} 0 "^ratio stork-replay program / direct: [0-9.]+%"
                 "^ratio stork-replay program on the pack / direct: [0-9.]+%"
                 -- $<TARGET_FILE:stork-bench-replay> --traces 20 --rounds 3 --replay ${R} --lib ${REF}
                    --dir ${CMAKE_CURRENT_BINARY_DIR}/bench-smoke-traces)

# The pack fuzz corpus once through its target (the pack reader, then the replay against the
# reference of every trace that passes its checks), under ASan+UBSan.
add_test(NAME harness.fuzz.pack_corpus COMMAND ${EXPECT} 0 "corpus inputs run"
         -- $<TARGET_FILE:fuzz_pack_run_corpus_asan> ${STORK_TESTDATA}/fuzz/pack)
