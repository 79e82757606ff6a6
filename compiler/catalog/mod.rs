//! Catalogs are data: the node types, alert handlers and builtin functions the
//! language knows, described once and read by the checker, the formatter, the
//! DOT writer, the VM and the runtime.

pub mod builtins;
pub mod docs;
pub mod handlers;
pub mod nodes;

use serde::{Deserialize, Serialize};

/// What flows on an edge between two nodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum EdgeType {
    Stream,
    Batch,
    /// Terminal nodes (influxDBOut, kapacitorLoopback) provide no edge.
    None,
}

impl EdgeType {
    pub fn name(self) -> &'static str {
        match self {
            EdgeType::Stream => "stream",
            EdgeType::Batch => "batch",
            EdgeType::None => "noedge",
        }
    }
}

macro_rules! node_kinds {
    ($($variant:ident $method:literal $desc:literal;)*) => {
        /// Every node type of the pipeline (reference §4).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        pub enum NodeKind { $($variant,)* }

        impl NodeKind {
            pub const ALL: &'static [NodeKind] = &[$(NodeKind::$variant,)*];

            /// The TICKscript chain method that creates it (`"from"`, `"httpOut"`),
            /// or the root name for `stream`/`batch`.
            pub fn method(self) -> &'static str {
                match self { $(NodeKind::$variant => $method,)* }
            }

            /// The prefix Kapacitor uses in node names (`http_out` in `http_out4`).
            pub fn desc(self) -> &'static str {
                match self { $(NodeKind::$variant => $desc,)* }
            }

            pub fn from_method(method: &str) -> Option<NodeKind> {
                match method { $($method => Some(NodeKind::$variant),)* _ => None }
            }
        }
    };
}

node_kinds! {
    Stream "stream" "stream";
    Batch "batch" "batch";
    From "from" "from";
    Query "query" "query";
    QueryFlux "queryFlux" "queryFlux";
    Where "where" "where";
    Eval "eval" "eval";
    GroupBy "groupBy" "groupby";
    Window "window" "window";
    Trickle "trickle" "trickle";
    Combine "combine" "combine";
    Flatten "flatten" "flatten";
    Join "join" "join";
    Union "union" "union";
    Barrier "barrier" "barrier";
    Alert "alert" "alert";
    HttpOut "httpOut" "http_out";
    HttpPost "httpPost" "http_post";
    InfluxDbOut "influxDBOut" "influxdb_out";
    KapacitorLoopback "kapacitorLoopback" "kapacitor_loopback";
    Log "log" "log";
    Default "default" "default";
    Delete "delete" "delete";
    Shift "shift" "shift";
    Sample "sample" "sample";
    Derivative "derivative" "derivative";
    ChangeDetect "changeDetect" "changeDetect";
    StateDuration "stateDuration" "state_duration";
    StateCount "stateCount" "state_count";
    Sideload "sideload" "sideload";
    Stats "stats" "stats";
    NoOp "noop" "noop";
    K8sAutoscale "k8sAutoscale" "k8s_autoscale";
    SwarmAutoscale "swarmAutoscale" "swarm_autoscale";
    Ec2Autoscale "ec2Autoscale" "ec2_autoscale";
    // InfluxQL function nodes (§4.3): desc = method name.
    Count "count" "count";
    Distinct "distinct" "distinct";
    Mean "mean" "mean";
    Median "median" "median";
    Mode "mode" "mode";
    Spread "spread" "spread";
    Sum "sum" "sum";
    First "first" "first";
    Last "last" "last";
    Min "min" "min";
    Max "max" "max";
    Percentile "percentile" "percentile";
    Top "top" "top";
    Bottom "bottom" "bottom";
    Stddev "stddev" "stddev";
    Difference "difference" "difference";
    MovingAverage "movingAverage" "movingAverage";
    CumulativeSum "cumulativeSum" "cumulativeSum";
    Elapsed "elapsed" "elapsed";
    HoltWinters "holtWinters" "holtWinters";
    HoltWintersWithFit "holtWintersWithFit" "holtWintersWithFit";
    // A user-defined function `@name(...)`; its name is in `ir::Node::udf`.
    Udf "@udf" "udf";
}

macro_rules! handler_kinds {
    ($($variant:ident $method:literal $kind:literal;)*) => {
        /// Every alert handler (reference §4.4, api.md §7).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        pub enum HandlerKind { $($variant,)* }

        impl HandlerKind {
            pub const ALL: &'static [HandlerKind] = &[$(HandlerKind::$variant,)*];

            /// The alert property that adds it (`.pagerDuty2()`).
            pub fn method(self) -> &'static str {
                match self { $(HandlerKind::$variant => $method,)* }
            }

            /// The topic-handler `kind` of the HTTP API (`pagerduty2`).
            pub fn kind(self) -> &'static str {
                match self { $(HandlerKind::$variant => $kind,)* }
            }

            pub fn from_method(method: &str) -> Option<HandlerKind> {
                match method { $($method => Some(HandlerKind::$variant),)* _ => None }
            }
        }
    };
}

handler_kinds! {
    Post "post" "post";
    Tcp "tcp" "tcp";
    Email "email" "smtp";
    Exec "exec" "exec";
    Log "log" "log";
    VictorOps "victorOps" "victorops";
    PagerDuty "pagerDuty" "pagerduty";
    PagerDuty2 "pagerDuty2" "pagerduty2";
    Pushover "pushover" "pushover";
    Sensu "sensu" "sensu";
    Slack "slack" "slack";
    Discord "discord" "discord";
    BigPanda "bigPanda" "bigpanda";
    Telegram "telegram" "telegram";
    HipChat "hipChat" "hipchat";
    Alerta "alerta" "alerta";
    OpsGenie "opsGenie" "opsgenie";
    OpsGenie2 "opsGenie2" "opsgenie2";
    Talk "talk" "talk";
    Mqtt "mqtt" "mqtt";
    SnmpTrap "snmpTrap" "snmptrap";
    Kafka "kafka" "kafka";
    Teams "teams" "teams";
    ServiceNow "serviceNow" "servicenow";
    Zenoss "zenoss" "zenoss";
    Alertmanager "alertmanager" "alertmanager";
}
