//! One-line descriptions of every property and builtin function, for hover
//! and completion in `tickc lsp`. Kept as a table beside the signatures
//! rather than inside them: the signature tables are read by the checker,
//! VM and JIT, and their rows stay short; a unit test keeps the two in step
//! (every property and builtin has a line here, and no line is orphaned).

use super::builtins::Builtin;

/// The description of property `prop` on the node or handler whose method
/// is `owner` (`"from"`, `"slack"`); `"*"` rows hold the properties every
/// node has.
pub fn property(owner: &str, prop: &str) -> Option<&'static str> {
    PROPERTIES
        .iter()
        .find(|(o, p, _)| *o == owner && *p == prop)
        .or_else(|| PROPERTIES.iter().find(|(o, p, _)| *o == "*" && *p == prop))
        .map(|(_, _, d)| *d)
}

/// The description of a builtin function.
pub fn builtin(b: Builtin) -> &'static str {
    BUILTINS
        .iter()
        .find(|(name, _)| *name == b.name())
        .map(|(_, d)| *d)
        .unwrap_or("")
}

/// (owner method, property, description).
static PROPERTIES: &[(&str, &str, &str)] = &[
    ("*", "quiet", "Suppresses the node's own error logging."),
    ("from", "database", "Only points written to this database."),
    (
        "from",
        "retentionPolicy",
        "Only points written to this retention policy.",
    ),
    (
        "from",
        "measurement",
        "Only points of this measurement (default: every measurement).",
    ),
    (
        "from",
        "where",
        "Keeps the points for which the lambda is true; repeated calls are ANDed.",
    ),
    (
        "from",
        "groupBy",
        "Groups the stream by these tags ('*' for every tag).",
    ),
    (
        "from",
        "groupByMeasurement",
        "Adds the measurement name to the group key.",
    ),
    (
        "from",
        "truncate",
        "Truncates each point's time to a multiple of this duration.",
    ),
    (
        "from",
        "round",
        "Rounds each point's time to a multiple of this duration.",
    ),
    (
        "query",
        "period",
        "The time range each run of the query covers.",
    ),
    ("query", "every", "How often the query runs."),
    (
        "query",
        "cron",
        "A cron expression scheduling the query instead of every.",
    ),
    (
        "query",
        "offset",
        "Shifts the queried time range back by this duration.",
    ),
    (
        "query",
        "align",
        "Aligns the start and stop times of each run to multiples of every.",
    ),
    (
        "query",
        "alignGroup",
        "Aligns the group-by time buckets to the query's start time.",
    ),
    (
        "query",
        "groupBy",
        "GROUP BY dimensions: tags, '*' or time(...).",
    ),
    (
        "query",
        "groupByMeasurement",
        "Adds the measurement name to the group key.",
    ),
    (
        "query",
        "fill",
        "The InfluxQL fill option: null, none, previous, linear or a number.",
    ),
    (
        "query",
        "cluster",
        "The [[influxdb]] cluster the query runs against.",
    ),
    (
        "queryFlux",
        "period",
        "The time range each run of the Flux query covers.",
    ),
    ("queryFlux", "every", "How often the Flux query runs."),
    (
        "queryFlux",
        "cron",
        "A cron expression scheduling the Flux query instead of every.",
    ),
    (
        "queryFlux",
        "offset",
        "Shifts the queried time range back by this duration.",
    ),
    (
        "queryFlux",
        "align",
        "Aligns the start and stop times of each run to multiples of every.",
    ),
    (
        "queryFlux",
        "cluster",
        "The Flux source the query runs against.",
    ),
    (
        "queryFlux",
        "org",
        "The organization name for the Flux query.",
    ),
    (
        "queryFlux",
        "orgID",
        "The organization ID for the Flux query.",
    ),
    (
        "eval",
        "as",
        "Names the fields the expressions produce, one per lambda.",
    ),
    (
        "eval",
        "tags",
        "Makes these results tags instead of fields.",
    ),
    (
        "eval",
        "keep",
        "Keeps the existing fields (all, or the ones named) beside the results.",
    ),
    (
        "groupBy",
        "byMeasurement",
        "Adds the measurement name to the group key.",
    ),
    (
        "groupBy",
        "exclude",
        "Groups by every tag except these (with groupBy('*')).",
    ),
    (
        "window",
        "period",
        "How much time each emitted window covers.",
    ),
    ("window", "every", "How often a window is emitted."),
    (
        "window",
        "align",
        "Aligns window boundaries to multiples of every.",
    ),
    (
        "window",
        "fillPeriod",
        "Waits for a full period before emitting the first window.",
    ),
    (
        "window",
        "periodCount",
        "Window length as a number of points instead of a duration.",
    ),
    (
        "window",
        "everyCount",
        "Emits after this many points instead of on a duration.",
    ),
    (
        "combine",
        "as",
        "Prefixes naming each point of a combination.",
    ),
    (
        "combine",
        "delimiter",
        "Separates the prefix from the field name (default '.').",
    ),
    (
        "combine",
        "tolerance",
        "Points closer than this in time are combined.",
    ),
    ("combine", "max", "The most combinations emitted per point."),
    (
        "flatten",
        "on",
        "The tags whose values prefix the flattened field names.",
    ),
    (
        "flatten",
        "delimiter",
        "Separates the tag values from the field name (default '.').",
    ),
    (
        "flatten",
        "tolerance",
        "Points closer than this in time are flattened together.",
    ),
    (
        "flatten",
        "dropOriginalFieldName",
        "Leaves the original field name out of the flattened names.",
    ),
    (
        "join",
        "as",
        "Prefixes for each parent's fields in the joined point.",
    ),
    (
        "join",
        "on",
        "The tags the join matches on (a subset of the group keys).",
    ),
    (
        "join",
        "delimiter",
        "Separates the prefix from the field name (default '.').",
    ),
    (
        "join",
        "tolerance",
        "Points closer than this in time are joined.",
    ),
    (
        "join",
        "fill",
        "Fills a missing parent's fields: null, none or a number.",
    ),
    (
        "join",
        "streamName",
        "The measurement name of the joined stream.",
    ),
    (
        "join",
        "deleteAll",
        "Deletes the group from every parent when one deletes it.",
    ),
    (
        "union",
        "rename",
        "The measurement name of the merged stream.",
    ),
    (
        "barrier",
        "idle",
        "Emits a barrier after this long without a point in the group.",
    ),
    ("barrier", "period", "Emits a barrier on this fixed period."),
    (
        "barrier",
        "delete",
        "Deletes the group's state downstream on each barrier.",
    ),
    (
        "alert",
        "id",
        "Template for the alert ID (default '{{ .Name }}:{{ .Group }}').",
    ),
    ("alert", "message", "Template for the alert message."),
    (
        "alert",
        "details",
        "HTML template for the alert details (email body).",
    ),
    (
        "alert",
        "info",
        "Lambda that sets the INFO level when true.",
    ),
    (
        "alert",
        "warn",
        "Lambda that sets the WARNING level when true.",
    ),
    (
        "alert",
        "crit",
        "Lambda that sets the CRITICAL level when true.",
    ),
    (
        "alert",
        "infoReset",
        "Lambda that must be true to leave INFO (hysteresis).",
    ),
    (
        "alert",
        "warnReset",
        "Lambda that must be true to leave WARNING (hysteresis).",
    ),
    (
        "alert",
        "critReset",
        "Lambda that must be true to leave CRITICAL (hysteresis).",
    ),
    (
        "alert",
        "history",
        "How many levels are kept for flapping detection.",
    ),
    (
        "alert",
        "flapping",
        "Suppresses events while the state flaps (low and high thresholds).",
    ),
    (
        "alert",
        "stateChangesOnly",
        "Sends only level changes, optionally re-sending after a duration.",
    ),
    ("alert", "noRecoveries", "Never sends OK events."),
    (
        "alert",
        "all",
        "Triggers only when every point of a batch matches.",
    ),
    (
        "alert",
        "levelTag",
        "Adds the level as a tag of this name to the emitted data.",
    ),
    (
        "alert",
        "levelField",
        "Adds the level as a field of this name to the emitted data.",
    ),
    (
        "alert",
        "idTag",
        "Adds the alert ID as a tag of this name to the emitted data.",
    ),
    (
        "alert",
        "idField",
        "Adds the alert ID as a field of this name to the emitted data.",
    ),
    (
        "alert",
        "messageField",
        "Adds the message as a field of this name to the emitted data.",
    ),
    (
        "alert",
        "durationField",
        "Adds the alert's duration as a field of this name.",
    ),
    (
        "alert",
        "inhibit",
        "Inhibits alerts of this category matching these tags while this one is not OK.",
    ),
    ("alert", "category", "The category inhibitors refer to."),
    (
        "alert",
        "topic",
        "Publishes events to this alert topic instead of the task's own.",
    ),
    (
        "httpPost",
        "endpoint",
        "The [[httppost]] endpoint to post to.",
    ),
    ("httpPost", "header", "Adds an HTTP header to each request."),
    (
        "httpPost",
        "codeField",
        "Adds the response status code as a field of this name.",
    ),
    (
        "httpPost",
        "captureResponse",
        "Logs the response body when the status is not 2xx.",
    ),
    (
        "httpPost",
        "timeout",
        "Gives up on a request after this long.",
    ),
    (
        "influxDBOut",
        "cluster",
        "The [[influxdb]] cluster to write to.",
    ),
    ("influxDBOut", "database", "The database to write to."),
    (
        "influxDBOut",
        "retentionPolicy",
        "The retention policy to write to.",
    ),
    (
        "influxDBOut",
        "measurement",
        "The measurement to write (default: the point's own).",
    ),
    (
        "influxDBOut",
        "writeConsistency",
        "The write consistency for InfluxDB Enterprise clusters.",
    ),
    (
        "influxDBOut",
        "precision",
        "The timestamp precision of the written points.",
    ),
    (
        "influxDBOut",
        "buffer",
        "How many points are buffered before a write.",
    ),
    (
        "influxDBOut",
        "flushInterval",
        "Writes the buffer at least this often.",
    ),
    (
        "influxDBOut",
        "tag",
        "Adds a static tag to every written point.",
    ),
    (
        "influxDBOut",
        "create",
        "Creates the database and retention policy if missing.",
    ),
    (
        "kapacitorLoopback",
        "database",
        "The database the points are written back to.",
    ),
    (
        "kapacitorLoopback",
        "retentionPolicy",
        "The retention policy the points are written back to.",
    ),
    (
        "kapacitorLoopback",
        "measurement",
        "The measurement of the written-back points.",
    ),
    (
        "kapacitorLoopback",
        "tag",
        "Adds a static tag to every written-back point.",
    ),
    (
        "log",
        "level",
        "The log level of the logged data (default INFO).",
    ),
    ("log", "prefix", "A prefix for each logged line."),
    (
        "default",
        "field",
        "Sets a field to this value when it is missing.",
    ),
    (
        "default",
        "tag",
        "Sets a tag to this value when it is missing.",
    ),
    ("delete", "field", "Removes a field."),
    ("delete", "tag", "Removes a tag."),
    (
        "derivative",
        "as",
        "Names the result field (default 'derivative').",
    ),
    (
        "derivative",
        "unit",
        "The time unit of the rate (default 1s).",
    ),
    (
        "derivative",
        "nonNegative",
        "Drops negative rates (counter resets).",
    ),
    (
        "stateDuration",
        "as",
        "Names the result field (default 'state_duration').",
    ),
    (
        "stateDuration",
        "unit",
        "The time unit of the duration (default 1s).",
    ),
    (
        "stateCount",
        "as",
        "Names the result field (default 'state_count').",
    ),
    (
        "sideload",
        "source",
        "Where the sideload files are read: file:// or http(s)://.",
    ),
    (
        "sideload",
        "order",
        "Templates of the file paths, searched in order.",
    ),
    (
        "sideload",
        "field",
        "A field to load, with its default value.",
    ),
    ("sideload", "tag", "A tag to load, with its default value."),
    (
        "stats",
        "align",
        "Aligns the stats times to multiples of the interval.",
    ),
    (
        "k8sAutoscale",
        "cluster",
        "The [kubernetes] cluster to scale in.",
    ),
    (
        "k8sAutoscale",
        "namespace",
        "The namespace of the resource.",
    ),
    (
        "k8sAutoscale",
        "kind",
        "The resource kind: deployments, replicasets or replicationcontrollers.",
    ),
    (
        "k8sAutoscale",
        "resourceName",
        "The name of the resource to scale.",
    ),
    (
        "k8sAutoscale",
        "resourceNameTag",
        "The tag holding the name of the resource to scale.",
    ),
    (
        "k8sAutoscale",
        "currentField",
        "A field holding the current replica count.",
    ),
    ("k8sAutoscale", "min", "The fewest replicas it scales to."),
    ("k8sAutoscale", "max", "The most replicas it scales to."),
    (
        "k8sAutoscale",
        "replicas",
        "Lambda giving the desired number of replicas.",
    ),
    (
        "k8sAutoscale",
        "increaseCooldown",
        "Waits this long after an increase before the next one.",
    ),
    (
        "k8sAutoscale",
        "decreaseCooldown",
        "Waits this long after a decrease before the next one.",
    ),
    (
        "k8sAutoscale",
        "namespaceTag",
        "Names the namespace tag of the emitted point.",
    ),
    (
        "k8sAutoscale",
        "kindTag",
        "Names the kind tag of the emitted point.",
    ),
    (
        "k8sAutoscale",
        "resourceTag",
        "Names the resource tag of the emitted point.",
    ),
    (
        "swarmAutoscale",
        "cluster",
        "The [[swarm]] cluster to scale in.",
    ),
    (
        "swarmAutoscale",
        "serviceName",
        "The name of the service to scale.",
    ),
    (
        "swarmAutoscale",
        "serviceNameTag",
        "The tag holding the name of the service to scale.",
    ),
    (
        "swarmAutoscale",
        "outputServiceNameTag",
        "Names the service tag of the emitted point.",
    ),
    (
        "swarmAutoscale",
        "currentField",
        "A field holding the current replica count.",
    ),
    ("swarmAutoscale", "min", "The fewest replicas it scales to."),
    ("swarmAutoscale", "max", "The most replicas it scales to."),
    (
        "swarmAutoscale",
        "replicas",
        "Lambda giving the desired number of replicas.",
    ),
    (
        "swarmAutoscale",
        "increaseCooldown",
        "Waits this long after an increase before the next one.",
    ),
    (
        "swarmAutoscale",
        "decreaseCooldown",
        "Waits this long after a decrease before the next one.",
    ),
    (
        "ec2Autoscale",
        "cluster",
        "The [[ec2]] configuration to scale with.",
    ),
    (
        "ec2Autoscale",
        "groupName",
        "The name of the autoscaling group.",
    ),
    (
        "ec2Autoscale",
        "groupNameTag",
        "The tag holding the name of the autoscaling group.",
    ),
    (
        "ec2Autoscale",
        "outputGroupNameTag",
        "Names the group tag of the emitted point.",
    ),
    (
        "ec2Autoscale",
        "currentField",
        "A field holding the current capacity.",
    ),
    ("ec2Autoscale", "min", "The smallest capacity it scales to."),
    ("ec2Autoscale", "max", "The largest capacity it scales to."),
    (
        "ec2Autoscale",
        "replicas",
        "Lambda giving the desired capacity.",
    ),
    (
        "ec2Autoscale",
        "increaseCooldown",
        "Waits this long after an increase before the next one.",
    ),
    (
        "ec2Autoscale",
        "decreaseCooldown",
        "Waits this long after a decrease before the next one.",
    ),
    ("post", "endpoint", "The [[httppost]] endpoint to post to."),
    ("post", "header", "Adds an HTTP header to each request."),
    (
        "post",
        "captureResponse",
        "Logs the response body when the status is not 2xx.",
    ),
    ("post", "timeout", "Gives up on a request after this long."),
    (
        "post",
        "skipSSLVerification",
        "Does not verify the endpoint's TLS certificate.",
    ),
    ("email", "to", "Adds a recipient."),
    (
        "email",
        "toTemplates",
        "Adds recipients rendered from templates.",
    ),
    (
        "log",
        "mode",
        "The file mode of the log file (octal, default 0600).",
    ),
    ("victorOps", "routingKey", "The VictorOps routing key."),
    ("pagerDuty", "serviceKey", "The PagerDuty service key."),
    ("pagerDuty2", "routingKey", "The PagerDuty v2 routing key."),
    (
        "pagerDuty2",
        "serviceKey",
        "The PagerDuty v2 routing key (older name).",
    ),
    (
        "pagerDuty2",
        "link",
        "Adds a link to the incident (href and optional text).",
    ),
    ("pushover", "userKey", "The Pushover user key."),
    ("pushover", "device", "The device to notify."),
    ("pushover", "title", "The message title."),
    ("pushover", "uRL", "A URL shown with the message."),
    ("pushover", "uRLTitle", "The title of the URL."),
    ("pushover", "sound", "The notification sound."),
    ("sensu", "source", "The Sensu source name."),
    ("sensu", "handlers", "The Sensu handlers to use."),
    (
        "sensu",
        "metadata",
        "Adds a metadata key and value to the check.",
    ),
    ("slack", "workspace", "The [[slack]] workspace to post to."),
    ("slack", "channel", "The channel to post to."),
    ("slack", "username", "The username to post as."),
    ("slack", "iconEmoji", "The emoji used as the avatar."),
    (
        "discord",
        "workspace",
        "The [[discord]] workspace to post to.",
    ),
    ("discord", "username", "The username to post as."),
    ("discord", "avatarURL", "The avatar image URL."),
    ("discord", "embedTitle", "The title of the embed."),
    ("discord", "timestamp", "Adds the event time to the embed."),
    (
        "alertmanager",
        "label",
        "Adds a label to the Alertmanager alert.",
    ),
    (
        "alertmanager",
        "annotation",
        "Adds an annotation to the Alertmanager alert.",
    ),
    ("bigPanda", "appKey", "The BigPanda application key."),
    ("bigPanda", "host", "The host name of the alert."),
    (
        "bigPanda",
        "primaryProperty",
        "The BigPanda primary property.",
    ),
    (
        "bigPanda",
        "secondaryProperty",
        "The BigPanda secondary property.",
    ),
    ("bigPanda", "attribute", "Adds a custom attribute."),
    ("telegram", "chatId", "The chat to send to."),
    ("telegram", "parseMode", "Markdown or HTML."),
    (
        "telegram",
        "disableWebPagePreview",
        "Disables link previews.",
    ),
    ("telegram", "disableNotification", "Sends silently."),
    ("hipChat", "room", "The room to post to."),
    ("hipChat", "token", "The room's token."),
    ("alerta", "token", "The Alerta API token."),
    ("alerta", "resource", "Template for the resource."),
    ("alerta", "event", "Template for the event name."),
    ("alerta", "environment", "Template for the environment."),
    ("alerta", "group", "Template for the group."),
    ("alerta", "value", "Template for the value."),
    ("alerta", "origin", "The origin of the alert."),
    ("alerta", "services", "The affected services."),
    ("alerta", "correlated", "Related event names."),
    ("alerta", "attribute", "Adds a custom attribute."),
    ("alerta", "timeout", "How long Alerta keeps the alert open."),
    ("opsGenie", "teams", "The teams to notify."),
    ("opsGenie", "recipients", "The recipients to notify."),
    ("opsGenie2", "teams", "The teams to notify."),
    ("opsGenie2", "recipients", "The recipients to notify."),
    ("opsGenie2", "recoveryAction", "notes or close on recovery."),
    (
        "opsGenie2",
        "details",
        "Sends the details as the description.",
    ),
    ("mqtt", "brokerName", "The [[mqtt]] broker to publish to."),
    ("mqtt", "topic", "The topic to publish to."),
    ("mqtt", "qos", "The MQTT quality of service (0, 1 or 2)."),
    ("mqtt", "retained", "Publishes a retained message."),
    ("snmpTrap", "data", "Adds a varbind: OID, type and value."),
    ("kafka", "cluster", "The [[kafka]] cluster to produce to."),
    ("kafka", "kafkaTopic", "The topic to produce to."),
    (
        "kafka",
        "disablePartitionById",
        "Does not partition messages by alert ID.",
    ),
    (
        "kafka",
        "partitionHashAlgorithm",
        "The hash used to pick a partition.",
    ),
    ("kafka", "template", "A template for the message value."),
    ("teams", "channelURL", "The Teams channel webhook URL."),
    ("serviceNow", "uRL", "The ServiceNow events URL."),
    ("serviceNow", "username", "The ServiceNow user."),
    ("serviceNow", "password", "The ServiceNow password."),
    ("serviceNow", "source", "The event source."),
    ("serviceNow", "node", "Template for the node."),
    ("serviceNow", "type", "Template for the type."),
    ("serviceNow", "resource", "Template for the resource."),
    ("serviceNow", "metricName", "Template for the metric name."),
    ("serviceNow", "messageKey", "Template for the message key."),
    (
        "serviceNow",
        "additionalInfo",
        "Adds additional information.",
    ),
    ("zenoss", "uRL", "The Zenoss router URL."),
    ("zenoss", "username", "The Zenoss user."),
    ("zenoss", "password", "The Zenoss password."),
    ("zenoss", "action", "The router action."),
    ("zenoss", "method", "The router method."),
    ("zenoss", "type", "The router request type."),
    ("zenoss", "tid", "The transaction ID."),
    ("zenoss", "collector", "The collector name."),
    ("zenoss", "summary", "Template for the event summary."),
    ("zenoss", "device", "Template for the device."),
    ("zenoss", "component", "Template for the component."),
    (
        "zenoss",
        "eventClassKey",
        "Template for the event class key.",
    ),
    ("zenoss", "eventClass", "Template for the event class."),
    ("zenoss", "message", "Template for the event message."),
    ("zenoss", "customField", "Adds a custom field."),
    (
        "count",
        "as",
        "Names the result field (default: the function's name).",
    ),
    (
        "count",
        "usePointTimes",
        "Uses the selected point's time instead of the batch's start time.",
    ),
    (
        "distinct",
        "as",
        "Names the result field (default: the function's name).",
    ),
    (
        "distinct",
        "usePointTimes",
        "Uses the selected point's time instead of the batch's start time.",
    ),
    (
        "mean",
        "as",
        "Names the result field (default: the function's name).",
    ),
    (
        "mean",
        "usePointTimes",
        "Uses the selected point's time instead of the batch's start time.",
    ),
    (
        "median",
        "as",
        "Names the result field (default: the function's name).",
    ),
    (
        "median",
        "usePointTimes",
        "Uses the selected point's time instead of the batch's start time.",
    ),
    (
        "mode",
        "as",
        "Names the result field (default: the function's name).",
    ),
    (
        "mode",
        "usePointTimes",
        "Uses the selected point's time instead of the batch's start time.",
    ),
    (
        "spread",
        "as",
        "Names the result field (default: the function's name).",
    ),
    (
        "spread",
        "usePointTimes",
        "Uses the selected point's time instead of the batch's start time.",
    ),
    (
        "sum",
        "as",
        "Names the result field (default: the function's name).",
    ),
    (
        "sum",
        "usePointTimes",
        "Uses the selected point's time instead of the batch's start time.",
    ),
    (
        "first",
        "as",
        "Names the result field (default: the function's name).",
    ),
    (
        "first",
        "usePointTimes",
        "Uses the selected point's time instead of the batch's start time.",
    ),
    (
        "last",
        "as",
        "Names the result field (default: the function's name).",
    ),
    (
        "last",
        "usePointTimes",
        "Uses the selected point's time instead of the batch's start time.",
    ),
    (
        "min",
        "as",
        "Names the result field (default: the function's name).",
    ),
    (
        "min",
        "usePointTimes",
        "Uses the selected point's time instead of the batch's start time.",
    ),
    (
        "max",
        "as",
        "Names the result field (default: the function's name).",
    ),
    (
        "max",
        "usePointTimes",
        "Uses the selected point's time instead of the batch's start time.",
    ),
    (
        "percentile",
        "as",
        "Names the result field (default: the function's name).",
    ),
    (
        "percentile",
        "usePointTimes",
        "Uses the selected point's time instead of the batch's start time.",
    ),
    (
        "top",
        "as",
        "Names the result field (default: the function's name).",
    ),
    (
        "top",
        "usePointTimes",
        "Uses the selected point's time instead of the batch's start time.",
    ),
    (
        "bottom",
        "as",
        "Names the result field (default: the function's name).",
    ),
    (
        "bottom",
        "usePointTimes",
        "Uses the selected point's time instead of the batch's start time.",
    ),
    (
        "stddev",
        "as",
        "Names the result field (default: the function's name).",
    ),
    (
        "stddev",
        "usePointTimes",
        "Uses the selected point's time instead of the batch's start time.",
    ),
    (
        "difference",
        "as",
        "Names the result field (default: the function's name).",
    ),
    (
        "difference",
        "usePointTimes",
        "Uses the selected point's time instead of the batch's start time.",
    ),
    (
        "movingAverage",
        "as",
        "Names the result field (default: the function's name).",
    ),
    (
        "movingAverage",
        "usePointTimes",
        "Uses the selected point's time instead of the batch's start time.",
    ),
    (
        "cumulativeSum",
        "as",
        "Names the result field (default: the function's name).",
    ),
    (
        "cumulativeSum",
        "usePointTimes",
        "Uses the selected point's time instead of the batch's start time.",
    ),
    (
        "elapsed",
        "as",
        "Names the result field (default: the function's name).",
    ),
    (
        "elapsed",
        "usePointTimes",
        "Uses the selected point's time instead of the batch's start time.",
    ),
    (
        "holtWinters",
        "as",
        "Names the result field (default: the function's name).",
    ),
    (
        "holtWinters",
        "usePointTimes",
        "Uses the selected point's time instead of the batch's start time.",
    ),
    (
        "holtWintersWithFit",
        "as",
        "Names the result field (default: the function's name).",
    ),
    (
        "holtWintersWithFit",
        "usePointTimes",
        "Uses the selected point's time instead of the batch's start time.",
    ),
];

/// (builtin name, description).
static BUILTINS: &[(&str, &str)] = &[
    (
        "bool",
        "Converts a bool, string (\"true\"/\"false\"), int or float (non-zero is true) to a bool.",
    ),
    (
        "int",
        "Converts a bool, numeric string, int or float (truncated) to an int.",
    ),
    (
        "float",
        "Converts a bool, numeric string, int or float to a float.",
    ),
    (
        "string",
        "Formats a bool, int, float or duration as a string.",
    ),
    (
        "duration",
        "Makes a duration: a value times a unit, e.g. duration(5, 1m).",
    ),
    ("abs", "The absolute value."),
    ("acos", "The arc cosine, in radians."),
    ("acosh", "The inverse hyperbolic cosine."),
    ("asin", "The arc sine, in radians."),
    ("asinh", "The inverse hyperbolic sine."),
    ("atan", "The arc tangent, in radians."),
    ("atanh", "The inverse hyperbolic tangent."),
    ("cbrt", "The cube root."),
    (
        "ceil",
        "The least integer value greater than or equal to x.",
    ),
    ("cos", "The cosine of x radians."),
    ("cosh", "The hyperbolic cosine."),
    ("erf", "The error function."),
    ("erfc", "The complementary error function."),
    ("exp", "e raised to x."),
    ("exp2", "2 raised to x."),
    ("expm1", "e raised to x, minus 1 (accurate near zero)."),
    (
        "floor",
        "The greatest integer value less than or equal to x.",
    ),
    ("gamma", "The Gamma function."),
    ("j0", "The order-zero Bessel function of the first kind."),
    ("j1", "The order-one Bessel function of the first kind."),
    ("log", "The natural logarithm."),
    ("log10", "The decimal logarithm."),
    (
        "log1p",
        "The natural logarithm of 1 + x (accurate near zero).",
    ),
    ("log2", "The binary logarithm."),
    ("logb", "The binary exponent of x."),
    ("sin", "The sine of x radians."),
    ("sinh", "The hyperbolic sine."),
    ("sqrt", "The square root."),
    ("tan", "The tangent of x radians."),
    ("tanh", "The hyperbolic tangent."),
    ("trunc", "The integer part of x."),
    ("y0", "The order-zero Bessel function of the second kind."),
    ("y1", "The order-one Bessel function of the second kind."),
    (
        "atan2",
        "The arc tangent of y/x, using the signs of both to pick the quadrant.",
    ),
    ("hypot", "sqrt(x*x + y*y), without undue overflow."),
    ("max", "The larger of two floats."),
    ("min", "The smaller of two floats."),
    ("mod", "The floating-point remainder of x/y."),
    ("pow", "x raised to y."),
    ("pow10", "10 raised to the int n."),
    ("jn", "The order-n Bessel function of the first kind."),
    ("yn", "The order-n Bessel function of the second kind."),
    ("strContains", "Whether the string contains the substring."),
    (
        "strContainsAny",
        "Whether the string contains any of the characters.",
    ),
    (
        "strCount",
        "How many non-overlapping times the substring occurs.",
    ),
    ("strHasPrefix", "Whether the string starts with the prefix."),
    ("strHasSuffix", "Whether the string ends with the suffix."),
    (
        "strIndex",
        "The index of the substring's first occurrence, or -1.",
    ),
    (
        "strIndexAny",
        "The index of the first of the characters, or -1.",
    ),
    (
        "strLastIndex",
        "The index of the substring's last occurrence, or -1.",
    ),
    (
        "strLastIndexAny",
        "The index of the last of the characters, or -1.",
    ),
    ("strLength", "The length of the string in characters."),
    (
        "strReplace",
        "Replaces the first n occurrences of old with new (all if n < 0).",
    ),
    (
        "strSubstring",
        "The characters from start up to (not including) stop.",
    ),
    ("strToLower", "The string in lower case."),
    ("strToUpper", "The string in upper case."),
    (
        "strTrimSpace",
        "The string without leading and trailing white space.",
    ),
    (
        "strTrim",
        "The string without leading and trailing characters of the cutset.",
    ),
    (
        "strTrimLeft",
        "The string without leading characters of the cutset.",
    ),
    (
        "strTrimRight",
        "The string without trailing characters of the cutset.",
    ),
    (
        "strTrimPrefix",
        "The string without the prefix, if present.",
    ),
    (
        "strTrimSuffix",
        "The string without the suffix, if present.",
    ),
    (
        "regexReplace",
        "Replaces the regex's matches in the string ($1 expands groups).",
    ),
    (
        "minute",
        "The minute of the hour of a time (0-59), in the local zone.",
    ),
    (
        "hour",
        "The hour of the day of a time (0-23), in the local zone.",
    ),
    (
        "weekday",
        "The day of the week of a time (0 = Sunday), in the local zone.",
    ),
    (
        "day",
        "The day of the month of a time (1-31), in the local zone.",
    ),
    ("month", "The month of a time (1-12), in the local zone."),
    ("year", "The year of a time, in the local zone."),
    ("unixNano", "A time as nanoseconds since the Unix epoch."),
    ("now", "The current wall-clock time."),
    (
        "isPresent",
        "Whether the field or tag is present on the point.",
    ),
    (
        "humanBytes",
        "Formats a number of bytes for people, e.g. 1.2 MB.",
    ),
    (
        "if",
        "The second argument when the condition is true, else the third (both of one type).",
    ),
    (
        "sigma",
        "How many standard deviations the value is from the running mean (stateful).",
    ),
    ("count", "How many times it was evaluated (stateful)."),
    (
        "spread",
        "The running max minus min of the values seen (stateful).",
    ),
    ("rand", "A random int (volatile: never constant-folded)."),
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{handlers, nodes, HandlerKind, NodeKind};

    fn catalog_pairs() -> Vec<(&'static str, &'static str)> {
        let mut pairs = Vec::new();
        for kind in NodeKind::ALL {
            for p in nodes::spec(*kind).props {
                pairs.push((kind.method(), p.name));
            }
        }
        for p in nodes::COMMON_PROPS {
            pairs.push(("*", p.name));
        }
        for h in HandlerKind::ALL {
            for p in handlers::spec(*h).props {
                pairs.push((h.method(), p.name));
            }
        }
        pairs
    }

    #[test]
    fn every_property_has_a_description() {
        let missing: Vec<String> = catalog_pairs()
            .into_iter()
            .filter(|(o, p)| !PROPERTIES.iter().any(|(po, pp, _)| po == o && pp == p))
            .map(|(o, p)| format!("{o}.{p}"))
            .collect();
        assert!(
            missing.is_empty(),
            "no description for: {}",
            missing.join(" ")
        );
    }

    #[test]
    fn no_description_without_a_property() {
        let pairs = catalog_pairs();
        let orphans: Vec<String> = PROPERTIES
            .iter()
            .filter(|(o, p, _)| !pairs.contains(&(*o, *p)))
            .map(|(o, p, _)| format!("{o}.{p}"))
            .collect();
        assert!(
            orphans.is_empty(),
            "not in the catalog: {}",
            orphans.join(" ")
        );
    }

    #[test]
    fn every_builtin_has_a_description() {
        let missing: Vec<&str> = crate::catalog::builtins::BUILTINS
            .iter()
            .filter(|s| !BUILTINS.iter().any(|(n, d)| *n == s.name && !d.is_empty()))
            .map(|s| s.name)
            .collect();
        assert!(
            missing.is_empty(),
            "no description for: {}",
            missing.join(" ")
        );
        for (name, _) in BUILTINS {
            assert!(Builtin::lookup(name).is_some(), "{name} is not a builtin");
        }
    }
}
