# Transform, join and output nodes (reference §4.2). Times in seconds.
OUT = """
    |influxDBOut()
        .precision('s')"""

def s(body):
    return "stream\n    |from()\n        .measurement('cpu')" + body + OUT

A = """
cpu,host=a v=1 1
cpu,host=b v=10 1
cpu,host=a v=3 2
cpu,host=b v=20 2
cpu,host=a v=5 3
cpu,host=b v=40 3
cpu,host=a v=7 11
cpu,host=b v=70 11
"""

# ---- derivative ----
case("derivative/typical", """(cur−prev)/elapsed per 1s, written over v in a copy of the point; the
first point only primes the state: 10/1s at 2s, 5/2s = 2.5 at 4s.""",
     s("\n    |derivative('v')"), "cpu v=0 1\ncpu v=10 2\ncpu v=15 4", ["cpu v=10 2", "cpu v=2.5 4"])
case("derivative/group_by", """per host, unit 10s, as('rate'): host a (3−1)/0.1 = 20 at 2s, 20 at 3s,
2/0.8 = 2.5 at 11s; host b 100, 200, 37.5; v is kept.""",
     s("\n        .groupBy('host')\n    |derivative('v')\n        .unit(10s)\n        .as('rate')"), A,
     ["cpu,host=a rate=20,v=3 2", "cpu,host=b rate=100,v=20 2", "cpu,host=a rate=20,v=5 3",
      "cpu,host=b rate=200,v=40 3", "cpu,host=a rate=2.5,v=7 11", "cpu,host=b rate=37.5,v=70 11"])
case("derivative/non_negative_and_zero_elapsed", """nonNegative: 5→3 is dropped but 3 becomes prev, so 4 at
3s gives 1; the second point at 3s has elapsed 0 (an error, dropped, but stored); 9→5 at 4s is negative
(dropped); 5→7 at 5s gives 2.""",
     s("\n    |derivative('v')\n        .nonNegative()"),
     "cpu v=5 1\ncpu v=3 2\ncpu v=4 3\ncpu v=9 3\ncpu v=5 4\ncpu v=7 5", ["cpu v=1 3", "cpu v=2 5"])

# ---- stateDuration / stateCount ----
ST = "cpu v=1 1\ncpu v=3 2\ncpu v=4 4\ncpu v=1 5\ncpu v=5 6"
case("stateDuration/typical", """while v > 2: 0 on the run's first point (2s), 2 at 4s; −1 when false (1s,
5s); a new run starts at 6s.""", s("\n    |stateDuration(lambda: \"v\" > 2)"), ST,
     ["cpu state_duration=-1,v=1 1", "cpu state_duration=0,v=3 2", "cpu state_duration=2,v=4 4",
      "cpu state_duration=-1,v=1 5", "cpu state_duration=0,v=5 6"])
case("stateDuration/group_by", """per host, unit 2s, as('d'): host a's run starts at 2s (0, 0.5, then
(11−2)/2 = 4.5); host b's at 1s (0, 0.5, 1, 5).""",
     s("\n        .groupBy('host')\n    |stateDuration(lambda: \"v\" > 2)\n        .unit(2s)\n        .as('d')"), A,
     ["cpu,host=a d=-1,v=1 1", "cpu,host=b d=0,v=10 1", "cpu,host=a d=0,v=3 2", "cpu,host=b d=0.5,v=20 2",
      "cpu,host=a d=0.5,v=5 3", "cpu,host=b d=1,v=40 3", "cpu,host=a d=4.5,v=7 11", "cpu,host=b d=5,v=70 11"])
case("stateDuration/error_keeps_state", """the point at 2s has no v: the lambda errors, the point is dropped
and the run (started at 1s) goes on: 2 at 3s.""", s("\n    |stateDuration(lambda: \"v\" > 2)"),
     "cpu v=3 1\ncpu w=1 2\ncpu v=4 3", ["cpu state_duration=0,v=3 1", "cpu state_duration=2,v=4 3"])

case("stateCount/typical", "while v > 2: 1, 2; −1 when false; a new run counts from 1.",
     s("\n    |stateCount(lambda: \"v\" > 2)"), ST,
     ["cpu state_count=-1i,v=1 1", "cpu state_count=1i,v=3 2", "cpu state_count=2i,v=4 4",
      "cpu state_count=-1i,v=1 5", "cpu state_count=1i,v=5 6"])
case("stateCount/group_by", "per host counts, as('n').",
     s("\n        .groupBy('host')\n    |stateCount(lambda: \"v\" > 2)\n        .as('n')"), A,
     ["cpu,host=a n=-1i,v=1 1", "cpu,host=b n=1i,v=10 1", "cpu,host=a n=1i,v=3 2", "cpu,host=b n=2i,v=20 2",
      "cpu,host=a n=2i,v=5 3", "cpu,host=b n=3i,v=40 3", "cpu,host=a n=3i,v=7 11", "cpu,host=b n=4i,v=70 11"])
case("stateCount/batch_resets", """batches: the count restarts in each window: [1s,11s) gives −1,1,2,3 and
[11s,21s) gives 1,2 (not 4,5).""",
     "stream\n    |from()\n        .measurement('cpu')\n    |window()\n        .period(10s)\n        .every(10s)\n    |stateCount(lambda: \"v\" > 1)" + OUT,
     "cpu v=1 1\ncpu v=3 2\ncpu v=2 3\ncpu v=3 4\ncpu v=9 11\ncpu v=8 12\ncpu v=0 21",
     ["cpu state_count=-1i,v=1 1", "cpu state_count=1i,v=3 2", "cpu state_count=2i,v=2 3",
      "cpu state_count=3i,v=3 4", "cpu state_count=1i,v=9 11", "cpu state_count=2i,v=8 12"])

# ---- changeDetect ----
case("changeDetect/typical", "emits the first point and each point whose v differs from the last emitted one.",
     s("\n    |changeDetect('v')"), "cpu v=1 1\ncpu v=1 2\ncpu v=2 3\ncpu v=2 4\ncpu v=1 5",
     ["cpu v=1 1", "cpu v=2 3", "cpu v=1 5"])
case("changeDetect/group_by", "state per host: host b's repeat is dropped, host a's change kept.",
     s("\n        .groupBy('host')\n    |changeDetect('s')"),
     'cpu,host=a s="x" 1\ncpu,host=b s="z" 1\ncpu,host=a s="x" 2\ncpu,host=b s="z" 2\ncpu,host=a s="y" 3',
     ['cpu,host=a s="x" 1', 'cpu,host=b s="z" 1', 'cpu,host=a s="y" 3'])
case("changeDetect/int_vs_float", """Go != on interface values: int 1 differs from float 1, so both are
emitted; two fields: a change in either emits.""", s("\n    |changeDetect('v', 'w')"),
     "cpu v=1i,w=0 1\ncpu v=1,w=0 2\ncpu v=1,w=0 3\ncpu v=1,w=5 4",
     ["cpu v=1i,w=0 1", "cpu v=1,w=0 2", "cpu v=1,w=5 4"])

# ---- default ----
case("default/typical", "fills an absent field and an absent tag; present values are untouched.",
     s("\n    |default()\n        .field('v', 0.0)\n        .tag('host', 'unknown')"),
     "cpu v=1 1\ncpu,host=a w=2 2", ["cpu,host=unknown v=1 1", "cpu,host=a v=0,w=2 2"])
case("default/group_by_batch", """batches grouped by dc: the tag default fills every point of each batch
(and the batch's group tags); the points lacking host get host=none.""",
     "stream\n    |from()\n        .measurement('cpu')\n        .groupBy('dc')\n    |window()\n        .period(10s)\n        .every(10s)\n    |default()\n        .tag('host', 'none')" + OUT,
     "cpu,dc=e v=1 1\ncpu,dc=e,host=a v=2 2\ncpu,dc=e v=3 11", ["cpu,dc=e,host=none v=1 1", "cpu,dc=e,host=a v=2 2"])
case("default/types", "float, int, string and bool defaults.",
     s("\n    |default()\n        .field('i', 5)\n        .field('s', 'none')\n        .field('b', TRUE)"),
     "cpu x=1 1", ['cpu b=true,i=5i,s="none",x=1 1'])

# ---- delete ----
case("delete/typical", "removes field w and tag dc.", s("\n    |delete()\n        .field('w')\n        .tag('dc')"),
     "cpu,dc=e,host=a v=1,w=2 1", ["cpu,host=a v=1 1"])
case("delete/group_by", """grouped by host and dc; deleting dc removes it from the dimensions too, so
both dc series of host a fall into one group host=a: one window counts 2 points.""",
     "stream\n    |from()\n        .measurement('cpu')\n        .groupBy('host', 'dc')\n    |delete()\n        .tag('dc')\n    |window()\n        .period(10s)\n        .every(10s)\n    |count('v')" + OUT,
     "cpu,host=a,dc=x v=1 1\ncpu,host=a,dc=y v=2 2\ncpu,host=a,dc=x v=3 11", ["cpu,host=a count=2i 11"])
case("delete/absent_names", "deleting names that are not there changes nothing.",
     s("\n    |delete()\n        .field('nope')\n        .tag('nope')"), "cpu,host=a v=1 1", ["cpu,host=a v=1 1"])

# ---- shift ----
case("shift/typical", "every point time +5s.", s("\n    |shift(5s)"), "cpu v=1 1\ncpu v=2 2",
     ["cpu v=1 6", "cpu v=2 7"])
case("shift/group_by_batch", """per host windows shifted by 1m: the batch points move by 60s (count then
stamps the shifted batch time 11s+60s).""",
     "stream\n    |from()\n        .measurement('cpu')\n        .groupBy('host')\n    |window()\n        .period(10s)\n        .every(10s)\n    |shift(1m)\n    |count('v')" + OUT,
     A, ["cpu,host=a count=3i 71", "cpu,host=b count=3i 71"])
case("shift/negative", "a negative shift moves points back.", s("\n    |shift(-2s)"), "cpu v=1 10",
     ["cpu v=1 8"])

# ---- sample ----
case("sample/typical", "sample(2) keeps the 1st, 3rd, 5th point.", s("\n    |sample(2)"),
     "cpu v=1 1\ncpu v=2 2\ncpu v=3 3\ncpu v=4 4\ncpu v=5 5", ["cpu v=1 1", "cpu v=3 3", "cpu v=5 5"])
case("sample/group_by", "counts per group: a1 and a3 of host a, b1 of host b.",
     s("\n        .groupBy('host')\n    |sample(2)"),
     "cpu,host=a v=1 1\ncpu,host=b v=1 1\ncpu,host=a v=2 2\ncpu,host=b v=2 2\ncpu,host=a v=3 3",
     ["cpu,host=a v=1 1", "cpu,host=b v=1 1", "cpu,host=a v=3 3"])
case("sample/duration_and_batch", """sample(10s) keeps points whose time is a multiple of 10s; inside a
batch the points are sampled.""",
     "stream\n    |from()\n        .measurement('cpu')\n    |window()\n        .period(30s)\n        .every(30s)\n    |sample(10s)" + OUT,
     "cpu v=1 5\ncpu v=2 10\ncpu v=3 15\ncpu v=4 20\ncpu v=5 35", ["cpu v=2 10", "cpu v=4 20"])

# ---- flatten ----
case("flatten/typical", """points of equal time are merged, fields named host value + '.' + field; emitted
when the next time arrives (the 3s point waits).""",
     s("\n    |flatten()\n        .on('host')"),
     "cpu,host=a v=1 1\ncpu,host=b v=2 1\ncpu,host=a v=3 2\ncpu,host=b v=4 2\ncpu,host=a v=0 3",
     ["cpu a.v=1,b.v=2 1", "cpu a.v=3,b.v=4 2"])
case("flatten/group_by", "per dc group, delimiter '_'; output tags = the group tags (dc).",
     s("\n        .groupBy('dc')\n    |flatten()\n        .on('host')\n        .delimiter('_')"),
     "cpu,dc=e,host=a v=1 1\ncpu,dc=e,host=b v=2 1\ncpu,dc=w,host=a v=3 1\ncpu,dc=e,host=a v=0 2\ncpu,dc=w,host=a v=0 2",
     ["cpu,dc=e a_v=1,b_v=2 1", "cpu,dc=w a_v=3 1"])
case("flatten/tolerance_drop_names", """tolerance 2s rounds 1s and 2s to 2s (Go Round, halves up);
dropOriginalFieldName names fields by the tag values only.""",
     s("\n    |flatten()\n        .on('host')\n        .tolerance(2s)\n        .dropOriginalFieldName()"),
     "cpu,host=a v=1 1\ncpu,host=b v=2 2\ncpu,host=a v=0 5", ["cpu a=1,b=2 2"])

# ---- combine ----
case("combine/typical", """the pair (host a, host b) at 1s; fields prefixed x./y.; the non-dimension tag
host is prefixed too; emitted when the 2s point arrives.""",
     "stream\n    |from()\n        .measurement('cpu')\n    |combine(lambda: \"host\" == 'a', lambda: \"host\" == 'b')\n        .as('x', 'y')" + OUT,
     "cpu,host=a v=1 1\ncpu,host=b v=2 1\ncpu,host=a v=3 2", ["cpu,x.host=a,y.host=b x.v=1,y.v=2 1"])
case("combine/group_by", "grouped by dc: the dimension tag dc is kept as is, one pair per dc.",
     "stream\n    |from()\n        .measurement('cpu')\n        .groupBy('dc')\n    |combine(lambda: \"host\" == 'a', lambda: \"host\" == 'b')\n        .as('x', 'y')" + OUT,
     "cpu,dc=e,host=a v=1 1\ncpu,dc=e,host=b v=2 1\ncpu,dc=w,host=a v=5 1\ncpu,dc=w,host=b v=6 1\ncpu,dc=e,host=a v=0 2\ncpu,dc=w,host=a v=0 2",
     ["cpu,dc=e,x.host=a,y.host=b x.v=1,y.v=2 1", "cpu,dc=w,x.host=a,y.host=b x.v=5,y.v=6 1"])
case("combine/tolerance", """tolerance 2s: 1s and 2s round to 2s (one pair, stamped 2s), 3s and 4s round
to 4s (emitted when 7s → 8s arrives).""",
     "stream\n    |from()\n        .measurement('cpu')\n    |combine(lambda: TRUE, lambda: TRUE)\n        .as('p', 'q')\n        .tolerance(2s)" + OUT,
     "cpu v=1 1\ncpu v=2 2\ncpu v=3 3\ncpu v=4 4\ncpu v=5 7", ["cpu p.v=1,q.v=2 2", "cpu p.v=3,q.v=4 4"])

# ---- join ----
JOIN = """var errors = stream
    |from()
        .measurement('errors'){g}
var requests = stream
    |from()
        .measurement('requests'){g}
errors
    |join(requests)
        .as('errors', 'requests'){p}
    |influxDBOut()
        .precision('s')"""
case("join/typical", """a set is emitted as soon as both parents have a point at its time; fields
prefixed by the as names; the name is the first parent's.""", JOIN.format(g="", p=""),
     "errors value=1 1\nrequests value=10 1\nerrors value=2 2\nrequests value=20 2",
     ["errors errors.value=1,requests.value=10 1", "errors errors.value=2,requests.value=20 2"])
case("join/group_by_tolerance", """per host, tolerance 2s: 1s and 2s both round to 2s (halves up), so each
host's errors and requests points join at 2s, with the host group tag.""",
     JOIN.format(g="\n        .groupBy('host')", p="\n        .tolerance(2s)"),
     "errors,host=a v=1 1\nrequests,host=a v=10 2\nerrors,host=b v=2 2\nrequests,host=b v=20 2",
     ["errors,host=a errors.v=1,requests.v=10 2", "errors,host=b errors.v=2,requests.v=20 2"])
case("join/fill_and_stream_name", """fill(0): errors@1 has no partner; it is emitted filled once both parents
moved past 1s (at errors@2), fields named after the present point; the full set at 2s goes out at the
next message; the set at 3s (requests only) is flushed filled at the end of input; streamName renames.""",
     JOIN.format(g="", p="\n        .fill(0)\n        .streamName('joined')"),
     "errors value=1 1\nrequests value=20 2\nerrors value=2 2\nrequests value=30 3",
     ["joined errors.value=1,requests.value=0i 1", "joined errors.value=2,requests.value=20 2",
      "joined errors.value=0i,requests.value=30 3"])

# ---- union ----
UNION = """var a = stream
    |from()
        .measurement('a')
var b = stream
    |from()
        .measurement('b')
a
    |union(b){p}
    |influxDBOut()
        .precision('s')"""
case("union/typical", """a time-ordered merge: a@3 waits until b@4 shows b has passed 3s; b@4 is drained
at the end; rename sets the name.""", UNION.format(p="\n        .rename('ab')"),
     "a v=1 1\na v=3 3\nb v=2 2\nb v=4 4", ["ab v=1 1", "ab v=2 2", "ab v=3 3", "ab v=4 4"])
case("union/three_parents_groups", "three parents, grouped points keep their tags and groups.",
     """var a = stream
    |from()
        .measurement('a')
        .groupBy('host')
var b = stream
    |from()
        .measurement('b')
var c = stream
    |from()
        .measurement('c')
a
    |union(b, c)
    |influxDBOut()
        .precision('s')""",
     "a,host=x v=1 1\nb v=2 2\nc v=3 3\na,host=y v=4 4\nb v=5 5\nc v=6 6",
     ["a,host=x v=1 1", "b v=2 2", "c v=3 3", "a,host=y v=4 4", "b v=5 5", "c v=6 6"])
case("union/silent_parent", """b never sends: everything from a is buffered (a union waits for every
parent) and drained in time order at the end of input.""", UNION.format(p=""),
     "a v=1 1\na v=2 2", ["a v=1 1", "a v=2 2"])

# ---- barrier ----
BAR = "stream\n    |from()\n        .measurement('cpu'){g}\n    |barrier(){p}\n    |window()\n        .period(10s)\n        .every(10s)\n    |count('v')" + OUT
case("barrier/idle", """idle 10s, data time: at 13s host a has been idle 11s → Barrier(a, 12s), which
closes a's window [1s,11s); host b (idle exactly 10s) gets Barrier(b, 13s) closing [3s,13s) before its
13s point arrives.""", BAR.format(g="\n        .groupBy('host')", p="\n        .idle(10s)"),
     "cpu,host=a v=1 1\ncpu,host=a v=2 2\ncpu,host=b v=3 3\ncpu,host=b v=4 13",
     ["cpu,host=a count=2i 11", "cpu,host=b count=1i 13"])
case("barrier/period_drops_late_data", """period 5s from the first point (1s): barriers at 6s and 11s when
12s arrives (11s closes [1s,11s)); the late point at 8s is older than the last barrier and dropped; at
22s barriers 16s and 21s close [11s,21s) holding only 12s.""",
     BAR.format(g="", p="\n        .period(5s)"), "cpu v=1 1\ncpu v=1 12\ncpu v=1 8\ncpu v=1 22",
     ["cpu count=1i 11", "cpu count=1i 21"])
case("barrier/delete", """idle 20s with delete(TRUE): at 30s host a gets Barrier(a, 22s) (closing
[1s,11s)) then DeleteGroup, so the window forgets a; a@31s starts a new window that ends at 41s.""",
     BAR.format(g="\n        .groupBy('host')", p="\n        .idle(20s)\n        .delete(TRUE)"),
     "cpu,host=a v=1 1\ncpu,host=a v=1 2\ncpu,host=b v=1 30\ncpu,host=a v=1 31\ncpu,host=a v=1 41",
     ["cpu,host=a count=2i 11", "cpu,host=a count=1i 41"])

# ---- trickle ----
TR = "stream\n    |from()\n        .measurement('cpu'){g}\n    |window()\n        .period(10s)\n        .every(10s)\n    |trickle()"
case("trickle/typical", "each batch point becomes a stream point with its own time.", TR.format(g="") + OUT,
     "cpu v=1 1\ncpu v=2 2\ncpu v=3 11", ["cpu v=1 1", "cpu v=2 2"])
case("trickle/group_by", "per host batches trickle out with all point tags.", TR.format(g="\n        .groupBy('host')") + OUT,
     A, ["cpu,host=a v=1 1", "cpu,host=a v=3 2", "cpu,host=a v=5 3", "cpu,host=b v=10 1",
         "cpu,host=b v=20 2", "cpu,host=b v=40 3"])
case("trickle/first_child_only", "quirk: trickle feeds only its first child; the second output gets nothing.",
     "var t = " + TR.format(g="") + "\nt\n    |influxDBOut()\n        .measurement('first')\n        .precision('s')\nt\n    |influxDBOut()\n        .measurement('second')\n        .precision('s')",
     "cpu v=1 1\ncpu v=3 11", ["first v=1 1"])

# ---- httpPost (no --handlers: each row's points are output as lines) ----
case("httpPost/typical", """without --handlers nothing is posted: each point is output as a point line
(ns timestamps), and the point passes through to influxDBOut.""",
     s("\n    |httpPost('http://localhost:9092/rows')"), "cpu,host=a v=1 1",
     ["cpu,host=a v=1 1000000000", "cpu,host=a v=1 1"])
case("httpPost/batch", "a batch row: every batch point is output.",
     "stream\n    |from()\n        .measurement('cpu')\n        .groupBy('host')\n    |window()\n        .period(10s)\n        .every(10s)\n    |httpPost('http://localhost:9092/rows')",
     "cpu,host=a v=1 1\ncpu,host=a v=2 2\ncpu,host=a v=3 11", ["cpu,host=a v=1 1000000000", "cpu,host=a v=2 2000000000"])
case("httpPost/endpoint", "the endpoint form (a [[httppost]] section) also outputs lines offline.",
     "stream\n    |from()\n        .measurement('cpu')\n    |httpPost()\n        .endpoint('ep')\n        .header('X-A', 'b')",
     "cpu v=1 1", ["cpu v=1 1000000000"])

# ---- influxDBOut ----
case("influxDBOut/typical", "default precision ns: the point as line protocol.",
     "stream\n    |from()\n        .measurement('cpu')\n    |influxDBOut()\n        .database('db')",
     "cpu,host=a v=1,s=\"x\",i=2i,b=true 1", ['cpu,host=a b=true,i=2i,s="x",v=1 1000000000'])
case("influxDBOut/group_by_overrides", """measurement and static tags override the point's (host=a
becomes host=z), precision ms.""",
     "stream\n    |from()\n        .measurement('cpu')\n        .groupBy('host')\n    |influxDBOut()\n        .measurement('out')\n        .tag('host', 'z')\n        .tag('k', 'v')\n        .precision('ms')",
     "cpu,host=a v=1 1", ["out,host=z,k=v v=1 1000"])
case("influxDBOut/batch", "a batch writes each of its points with its own tags and time.",
     "stream\n    |from()\n        .measurement('cpu')\n    |window()\n        .period(10s)\n        .every(10s)" + OUT,
     "cpu,host=a v=1 1\ncpu,host=b v=2 2\ncpu v=3 11", ["cpu,host=a v=1 1", "cpu,host=b v=2 2"])

# ---- kapacitorLoopback ----
case("kapacitorLoopback/typical", "points written back are output like influxDBOut's (ns).",
     "stream\n    |from()\n        .measurement('cpu')\n    |kapacitorLoopback()\n        .database('other')\n        .retentionPolicy('autogen')",
     "cpu v=1 1", ["cpu v=1 1000000000"])
case("kapacitorLoopback/group_by_overrides", "measurement and tag overrides.",
     "stream\n    |from()\n        .measurement('cpu')\n        .groupBy('host')\n    |kapacitorLoopback()\n        .database('other')\n        .retentionPolicy('autogen')\n        .measurement('derived')\n        .tag('src', 'k')",
     "cpu,host=a v=1 1", ["derived,host=a,src=k v=1 1000000000"])
case("kapacitorLoopback/batch", "a batch loops back each point.",
     "stream\n    |from()\n        .measurement('cpu')\n    |window()\n        .period(10s)\n        .every(10s)\n    |kapacitorLoopback()\n        .database('other')\n        .retentionPolicy('autogen')",
     "cpu v=1 1\ncpu v=2 2\ncpu v=3 11", ["cpu v=1 1000000000", "cpu v=2 2000000000"])
case("join/on_less_specific", """on('service'): requests are grouped by service only (less specific), errors
by service and host; the one requests point of service x at 1s joins each host's errors point, giving one
output per (host, service) group with the errors point's group tags.""",
     """var errors = stream
    |from()
        .measurement('errors')
        .groupBy('service', 'host')
var requests = stream
    |from()
        .measurement('requests')
        .groupBy('service')
errors
    |join(requests)
        .as('errors', 'requests')
        .on('service')
    |influxDBOut()
        .precision('s')""",
     "errors,service=x,host=a v=1 1\nrequests,service=x v=10 1\nerrors,service=x,host=b v=2 1",
     ["errors,host=a,service=x errors.v=1,requests.v=10 1", "errors,host=b,service=x errors.v=2,requests.v=10 1"])
case("join/batches", """batch join: the two windows (both stamped 11s) join; inside, points pair by
rounded time: 1s pairs, errors@2s and requests@3s have no partner (inner join: dropped).""",
     """var errors = stream
    |from()
        .measurement('errors')
    |window()
        .period(10s)
        .every(10s)
var requests = stream
    |from()
        .measurement('requests')
    |window()
        .period(10s)
        .every(10s)
errors
    |join(requests)
        .as('errors', 'requests')
    |influxDBOut()
        .precision('s')""",
     "errors v=1 1\nrequests v=10 1\nerrors v=2 2\nrequests v=20 3\nerrors v=0 11\nrequests v=0 11",
     ["errors errors.v=1,requests.v=10 1"])
