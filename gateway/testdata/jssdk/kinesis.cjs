// Drives the gateway's Kinesis Data Streams API with the AWS SDK for JavaScript v3
// (@aws-sdk/client-kinesis, from .peers/node), the way a Node.js producer and an
// enhanced fan-out consumer would. Run by gateway/jssdk_test.go: endpoint, key id and
// secret come from the environment; the script prints one JSON line of what it saw.
const {
  KinesisClient, CreateStreamCommand, DescribeStreamSummaryCommand, PutRecordCommand,
  PutRecordsCommand, ListShardsCommand, GetShardIteratorCommand, GetRecordsCommand,
  RegisterStreamConsumerCommand, DescribeStreamConsumerCommand, SubscribeToShardCommand,
  ListStreamsCommand,
} = require("@aws-sdk/client-kinesis");

const client = new KinesisClient({
  endpoint: process.env.TIDEGATE_ENDPOINT,
  region: "us-east-1",
  credentials: { accessKeyId: process.env.TIDEGATE_KEY_ID, secretAccessKey: process.env.TIDEGATE_SECRET },
  maxAttempts: 1,
});

async function main() {
  const out = {};
  const StreamName = "js";
  await client.send(new CreateStreamCommand({ StreamName, ShardCount: 2 }));
  const summary = await client.send(new DescribeStreamSummaryCommand({ StreamName }));
  out.status = summary.StreamDescriptionSummary.StreamStatus;
  out.streamARN = summary.StreamDescriptionSummary.StreamARN;
  const enc = new TextEncoder();
  const one = await client.send(new PutRecordCommand({ StreamName, PartitionKey: "dev-1", Data: enc.encode('{"n":0}') }));
  out.putShard = one.ShardId;
  const Records = [];
  for (let i = 1; i <= 99; i++) Records.push({ PartitionKey: "dev-" + (i % 5), Data: enc.encode(JSON.stringify({ n: i })) });
  const many = await client.send(new PutRecordsCommand({ StreamName, Records }));
  out.failed = many.FailedRecordCount;
  const shards = (await client.send(new ListShardsCommand({ StreamName }))).Shards;
  out.shards = shards.length;
  const dec = new TextDecoder();
  const seen = [];
  for (const s of shards) {
    let it = (await client.send(new GetShardIteratorCommand({ StreamName, ShardId: s.ShardId, ShardIteratorType: "TRIM_HORIZON" }))).ShardIterator;
    for (;;) {
      const r = await client.send(new GetRecordsCommand({ ShardIterator: it, Limit: 1000 }));
      for (const rec of r.Records) seen.push(JSON.parse(dec.decode(rec.Data)).n);
      if (r.Records.length === 0 || !r.NextShardIterator) break;
      it = r.NextShardIterator;
    }
  }
  out.read = seen.sort((a, b) => a - b);

  // Enhanced fan-out: SubscribeToShard over HTTP/2 (the SDK's only transport for it),
  // receiving a record put after the subscription started.
  const consumer = (await client.send(new RegisterStreamConsumerCommand({ StreamARN: out.streamARN, ConsumerName: "js-efo" }))).Consumer;
  for (let i = 0; i < 50; i++) {
    const d = await client.send(new DescribeStreamConsumerCommand({ ConsumerARN: consumer.ConsumerARN }));
    if (d.ConsumerDescription.ConsumerStatus === "ACTIVE") break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const target = one.ShardId;
  const sub = await client.send(new SubscribeToShardCommand({
    ConsumerARN: consumer.ConsumerARN, ShardId: target, StartingPosition: { Type: "LATEST" },
  }));
  const pushed = [];
  const deadline = setTimeout(() => { out.subscribeTimeout = true; }, 15000);
  let sent = false;
  for await (const ev of sub.EventStream) {
    if (ev.SubscribeToShardEvent) {
      for (const rec of ev.SubscribeToShardEvent.Records) pushed.push(dec.decode(rec.Data));
      if (!sent) {
        sent = true;
        await client.send(new PutRecordCommand({ StreamName, PartitionKey: "dev-1", Data: enc.encode('{"n":"live"}') }));
      }
      if (pushed.length > 0 || out.subscribeTimeout) break;
    }
  }
  clearTimeout(deadline);
  out.pushed = pushed;
  out.streams = (await client.send(new ListStreamsCommand({}))).StreamNames;
  console.log(JSON.stringify(out));
}

main().then(() => process.exit(0), (e) => {
  console.log(JSON.stringify({ error: String(e && e.name) + ": " + String(e && e.message) }));
  process.exit(1);
});
