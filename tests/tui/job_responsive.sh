#!/bin/sh
# TUI: while a background job sleeps 3 s, keys are answered and the screen redrawn; the job's
# result lands in the store and is announced in the status line without taking the focus.
. "${SRCDIR:-.}/tests/lib.sh"

DB="$TMP/cabinet.db"
demo_db "$DB"

tui_start vt100 "$VIGIE" --db "$DB" --user jmartin --test-job 3
start=$(date +%s%N)
check "pending job shown in the status line" tui_wait "Test… 1 tâche"
tui_text "adr"
check "keys answered while the job runs" tui_wait "ADRTROIS +DOMINIQUE"
tui_keys Down
check "list redrawn while the job runs" tui_wait "^> ADRTROIS +TOUSSAINT"
tui_keys Enter
check "dossier opened while the job runs" tui_wait "Dossier — ADRTROIS TOUSSAINT"
elapsed_ms=$(( ($(date +%s%N) - start) / 1000000 ))
check "all that within 2.5 s (job still sleeping: ${elapsed_ms} ms)" [ "$elapsed_ms" -lt 2500 ]
check "job still pending at that point" tui_wait "Test… 1 tâche" 1
check "job result announced, focus kept on the dossier" tui_wait "Tâche de test terminée \(3 s\)" 6
check "still on the dossier after the announcement" tui_wait "Dossier — ADRTROIS TOUSSAINT" 1
check "pending counter gone" tui_wait_gone "tâche " 3
tui_text "q"
check "quit" tui_wait "VIGIE-EXIT:0"

# The worker wrote its result with its own connection, audited under the user's login.
rows=$(sqlite3 "$DB" "SELECT count(*) FROM audit WHERE action = 'test.job' AND who = 'jmartin' AND detail = 'attente de 3 s'")
check "job result written to the store by the worker" [ "$rows" = 1 ]

# A long job cancelled from the UI (C-k): it stops at once, nothing written.
tmux -L "$TMUX_SOCKET" kill-server; sleep 0.2
tui_start vt100 "$VIGIE" --db "$DB" --user jmartin --test-job 60
check "long job pending" tui_wait "Test… 1 tâche"
tui_keys C-k
check "cancel acknowledged" tui_wait "Test : annulation demandée|Test : tâche annulée"
check "job reported cancelled" tui_wait "Test : tâche annulée" 3
check "pending counter gone after cancel" tui_wait_gone "… 1 tâche" 3
tui_keys C-k
check "nothing left to cancel" tui_wait "Aucune tâche de fond en cours"
tui_keys C-c
check "quit" tui_wait "VIGIE-EXIT:0"
rows=$(sqlite3 "$DB" "SELECT count(*) FROM audit WHERE action = 'test.job'")
check "the cancelled job wrote nothing" [ "$rows" = 1 ]

finish
