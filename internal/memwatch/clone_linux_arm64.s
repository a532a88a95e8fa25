#include "go_asm.h"
#include "textflag.h"

#define SYS_unlinkat		35
#define SYS_write		64
#define SYS_pread64		67
#define SYS_exit		93
#define SYS_exit_group		94
#define SYS_nanosleep		101
#define SYS_rt_sigprocmask	135
#define SYS_clone		220

#define SIG_SETMASK	2
#define AT_FDCWD	-100
#define EINTR		4

// CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|CLONE_SYSVSEM:
// a thread of this process, as the runtime makes its own.
#define CLONE_FLAGS	0x50f00

// func clone(s *shared, stack uintptr) int64
//
// The new thread starts at watch, with the registers of this one (R19 is
// s) and the stack given, and with every signal blocked: the mask is set
// to all before the clone and put back after it, in this thread only. It
// runs no Go code and uses no stack: only registers, s and system calls.
TEXT ·clone(SB),NOSPLIT,$0-24
	MOVD	s+0(FP), R19
	MOVD	stack+8(FP), R20
	MOVD	$SIG_SETMASK, R0
	ADD	$shared_sigAll, R19, R1
	ADD	$shared_sigOld, R19, R2
	MOVD	$8, R3
	MOVD	$SYS_rt_sigprocmask, R8
	SVC
	MOVD	$CLONE_FLAGS, R0
	MOVD	R20, R1
	MOVD	$0, R2
	MOVD	$0, R3
	MOVD	$0, R4
	MOVD	$SYS_clone, R8
	SVC
	CBZ	R0, watch
	MOVD	R0, R20
	MOVD	$SIG_SETMASK, R0
	ADD	$shared_sigOld, R19, R1
	MOVD	$0, R2
	MOVD	$8, R3
	MOVD	$SYS_rt_sigprocmask, R8
	SVC
	MOVD	R20, ret+16(FP)
	RET

	// The watcher. R19: s; R20: the resident set read, in pages; R21:
	// nanoseconds slept past the limit.
watch:
	MOVD	$0, R21
loop:
	ADD	$shared_sleep, R19, R0
	MOVD	$0, R1
	MOVD	$SYS_nanosleep, R8
	SVC
	ADD	$shared_state, R19, R1
	LDARW	(R1), R2
	CMPW	$const_stateReported, R2
	BHS	done
	MOVW	shared_fd(R19), R0
	ADD	$shared_buf, R19, R1
	MOVD	$64, R2
	MOVD	$0, R3
	MOVD	$SYS_pread64, R8
	SVC
	CMP	$0, R0
	BLE	loop
	// statm is "size resident shared ...", in pages: skip the size, read
	// the resident set.
	ADD	$shared_buf, R19, R1
	ADD	R0, R1, R2
skip:
	CMP	R2, R1
	BHS	loop
	MOVBU	(R1), R3
	ADD	$1, R1
	CMP	$0x20, R3
	BNE	skip
	MOVD	$0, R20
	MOVD	$10, R4
digit:
	CMP	R2, R1
	BHS	parsed
	MOVBU	(R1), R3
	SUB	$0x30, R3
	CMP	$9, R3
	BHI	parsed
	MUL	R4, R20
	ADD	R3, R20
	ADD	$1, R1
	B	digit
parsed:
	// One writer: aligned stores are single-copy atomic for the Go side's
	// loads.
	MOVD	R20, shared_rss(R19)
	MOVD	shared_polls(R19), R3
	ADD	$1, R3
	MOVD	R3, shared_polls(R19)
	ADD	$shared_state, R19, R1
	LDARW	(R1), R5
	MOVD	shared_hard(R19), R3
	CMP	R3, R20
	BHI	fire
	CMPW	$const_stateArmed, R5
	BNE	under
	MOVD	shared_limit(R19), R3
	CMP	R3, R20
	BLS	under
	MOVD	(shared_sleep+8)(R19), R3
	ADD	R3, R21
	MOVD	shared_grace(R19), R3
	CMP	R3, R21
	BHS	fire
	B	pace
under:
	MOVD	$0, R21

	// The next sleep: nsPage for each page of distance to the hard limit
	// (R20 is at most hard here), within minPoll and maxPoll.
pace:
	MOVD	shared_hard(R19), R3
	SUB	R20, R3
	MOVD	shared_maxPoll(R19), R4
	MOVD	shared_farPages(R19), R5
	CMP	R5, R3
	BHS	sleep
	MOVD	shared_nsPage(R19), R5
	MUL	R5, R3
	MOVD	R3, R4
	MOVD	shared_minPoll(R19), R5
	CMP	R5, R4
	BHS	sleep
	MOVD	R5, R4
sleep:
	MOVD	R4, (shared_sleep+8)(R19)
	B	loop

	// Take the stop (R5: the state read, armed or stopping), remove the
	// tracked files, write the message, end the process.
fire:
	CMPW	$const_stateStopping, R5
	BHI	done
	MOVW	$const_stateFired, R6
	ADD	$shared_state, R19, R1
cas:
	LDAXRW	(R1), R2
	CMPW	R5, R2
	BNE	loop
	STLXRW	R6, (R1), R3
	CBNZW	R3, cas
	DMB	$0xb	// ISH: the state is set before anything below is read
	MOVD	$0, R22
unlink:
	CMP	$const_maxTracked, R22
	BHS	message
	ADD	$shared_used, R19, R1
	ADD	R22<<2, R1, R1
	LDARW	(R1), R2
	CBZW	R2, next
	MOVD	$const_pathCap, R3
	MUL	R22, R3
	ADD	$shared_paths, R19, R1
	ADD	R3, R1, R1
	MOVD	$AT_FDCWD, R0
	MOVD	$0, R2
	MOVD	$SYS_unlinkat, R8
	SVC
next:
	ADD	$1, R22
	B	unlink
message:
	ADD	$shared_msg, R19, R1
	LDARW	(R1), R3
	ADD	$shared_msgLen, R19, R1
	ADD	R3<<3, R1, R1
	MOVD	(R1), R2
	MOVD	$const_msgCap, R4
	MUL	R4, R3
	ADD	$shared_msgBuf, R19, R1
	ADD	R3, R1, R1
write:
	CMP	$0, R2
	BLE	exit
	MOVD	$2, R0
	MOVD	$SYS_write, R8
	SVC
	CMN	$EINTR, R0
	BEQ	write
	CMP	$0, R0
	BLE	exit
	ADD	R0, R1
	SUB	R0, R2
	B	write
exit:
	MOVD	$2, R0
	MOVD	$SYS_exit_group, R8
	SVC
	B	exit

	// The Go side is done with the watch: end this thread only.
done:
	MOVD	$0, R0
	MOVD	$SYS_exit, R8
	SVC
	B	done
