#!/usr/bin/env node
'use strict';
// The benchmark scenario of benches/simulate.rs in the peer's simulator (@cdklabs/cdk-ssm-documents):
// the same 22-step runbook, the same mocked responses, 20 steps executed per run.
// Run from a copy of ../shared/peers/cdk-ssm-documents with node_modules installed (`npm ci`):
//   cp runbook-dsl/benches/simulate_peer.js /tmp/peer-sim/ && node /tmp/peer-sim/simulate_peer.js
// Prints one JSON line per round (each about one second) and the median steps per second, per
// wall-clock second and per second of the process's CPU time (process.cpuUsage), as the Rust bench.

const realLog = console.log;
console.log = () => {}; // the simulator logs every step; silence it as simulate.js does
const say = (...a) => realLog(...a);

const { App, Stack } = require('aws-cdk-lib');
const ssm = require('@cdklabs/cdk-ssm-documents');
const { NonRetriableException } = require('@cdklabs/cdk-ssm-documents/lib/domain/non-retriable-exception');
const {
  AutomationDocument, Input, DataTypeEnum, AwsApiStep, AssertAwsResourceStep, BranchStep, SleepStep,
  Choice, Operation, OnFailure, AwsService, StringVariable, BooleanVariable, NumberVariable,
  Simulation, MockSleep, MockApprove, ResponseCode,
} = ssm;

const ALGO = '$.ServerSideEncryptionConfiguration.Rules[0].ApplyServerSideEncryptionByDefault.SSEAlgorithm';
const bucket = () => ({ Bucket: StringVariable.of('BucketName') });

function build(scope) {
  const doc = new AutomationDocument(scope, 'BenchRunbook', {
    documentName: 'BenchRunbook',
    description: 'Benchmark runbook with branches and rollback.',
    docInputs: [Input.ofTypeString('BucketName', { allowedPattern: '^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$' })],
  });
  const api = (name, pascalCaseApi, outputs = [], extra = {}, service = AwsService.S3, params = bucket()) =>
    doc.addStep(new AwsApiStep(doc, name, { service, pascalCaseApi, apiParams: params, outputs, ...extra }));
  const branch = (name, choices, defaultStepName) =>
    doc.addStep(new BranchStep(doc, name, { choices: choices.map(c => new Choice(c)), defaultStepName }));
  const assert = (name, pascalCaseApi, selector, desiredValues, extra = {}) =>
    doc.addStep(new AssertAwsResourceStep(doc, name, { service: AwsService.S3, pascalCaseApi, apiParams: bucket(), selector, desiredValues, ...extra }));

  api('GetEncryption', 'GetBucketEncryption', [{ name: 'Algo', selector: ALGO, outputType: DataTypeEnum.STRING }]);
  branch('CheckEncryption', [
    { operation: Operation.STRING_EQUALS, variable: StringVariable.of('GetEncryption.Algo'), constant: 'AES256', jumpToStepName: 'AlreadyCompliant' },
    { operation: Operation.STRING_EQUALS, variable: StringVariable.of('GetEncryption.Algo'), constant: 'aws:kms', jumpToStepName: 'AlreadyCompliant' },
  ], 'GetVersioning');
  api('GetVersioning', 'GetBucketVersioning', [{ name: 'Status', selector: '$.Status', outputType: DataTypeEnum.STRING }]);
  branch('CheckVersioning', [
    { operation: Operation.STRING_EQUALS, variable: StringVariable.of('GetVersioning.Status'), constant: 'Disabled', jumpToStepName: 'AlreadyCompliant' },
  ], 'GetPolicyStatus');
  api('GetPolicyStatus', 'GetBucketPolicyStatus', [{ name: 'IsPublic', selector: '$.PolicyStatus.IsPublic', outputType: DataTypeEnum.BOOLEAN }]);
  branch('CheckPublic', [
    { operation: Operation.BOOLEAN_EQUALS, variable: BooleanVariable.of('GetPolicyStatus.IsPublic'), constant: true, jumpToStepName: 'AlreadyCompliant' },
  ], 'GetTagging');
  api('GetTagging', 'GetBucketTagging', [{ name: 'Owner', selector: '$.TagSet[0].Value', outputType: DataTypeEnum.STRING }]);
  branch('CheckOwner', [
    { operation: Operation.STARTS_WITH, variable: StringVariable.of('GetTagging.Owner'), constant: 'team-', jumpToStepName: 'GetLogging' },
  ], 'AlreadyCompliant');
  api('GetLogging', 'GetBucketLogging', [{ name: 'Target', selector: '$.LoggingEnabled.TargetBucket', outputType: DataTypeEnum.STRING }]);
  branch('CheckLogging', [
    { operation: Operation.CONTAINS, variable: StringVariable.of('GetLogging.Target'), constant: 'logs', jumpToStepName: 'AssertOwnership' },
  ], 'AlreadyCompliant');
  assert('AssertOwnership', 'GetBucketOwnershipControls', '$.OwnershipControls.Rules[0].ObjectOwnership', ['BucketOwnerEnforced']);
  api('GetAcl', 'GetBucketAcl', [{ name: 'Grants', selector: '$.GrantCount', outputType: DataTypeEnum.INTEGER }]);
  branch('CheckAcl', [
    { operation: Operation.NUMERIC_LESSER, variable: NumberVariable.of('GetAcl.Grants'), constant: 5, jumpToStepName: 'TagBeforeChange' },
  ], 'AlreadyCompliant');
  api('TagBeforeChange', 'PutBucketTagging', [], {}, AwsService.S3,
    { Bucket: StringVariable.of('BucketName'), Tagging: { TagSet: [{ Key: 'remediation', Value: 'bench' }] } });
  api('PutEncryption', 'PutBucketEncryption', [], { onFailure: OnFailure.invokeStepByName('RollbackTags') }, AwsService.S3,
    { Bucket: StringVariable.of('BucketName'), ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] } });
  assert('VerifyEncryption', 'GetBucketEncryption', ALGO, ['AES256'], { isEnd: true });
  api('RollbackTags', 'DeleteBucketTagging');
  doc.addStep(new SleepStep(doc, 'WaitAfterRollback', { sleepSeconds: 5 }));
  api('GetEncryptionAfter', 'GetBucketEncryption');
  assert('AssertUnchanged', 'GetBucketEncryption', ALGO, ['None']);
  api('Notify', 'Publish', [], { isEnd: true }, AwsService.SNS,
    { TopicArn: 'arn:aws:sns:us-east-1:123456789012:AutomationAlerts', Message: 'Rollback' });
  assert('AlreadyCompliant', 'GetBucketEncryption', ALGO, ['AES256', 'aws:kms'], { isEnd: true });
  return doc;
}

const RESPONSES = {
  's3.getBucketEncryption': { ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'None' } }] } },
  's3.getBucketVersioning': { Status: 'Suspended' },
  's3.getBucketPolicyStatus': { PolicyStatus: { IsPublic: false } },
  's3.getBucketTagging': { TagSet: [{ Key: 'owner', Value: 'team-storage' }] },
  's3.getBucketLogging': { LoggingEnabled: { TargetBucket: 'central-logs' } },
  's3.getBucketOwnershipControls': { OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] } },
  's3.getBucketAcl': { GrantCount: 1 },
  's3.putBucketTagging': {},
  's3.putBucketEncryption': new Error('AccessDenied'),
  's3.deleteBucketTagging': {},
  'sns.publish': { MessageId: 'm-1' },
};

class Invoker {
  constructor() { this.calls = 0; }
  invoke(inv) {
    const key = `${inv.service.namespace}.${inv.awsApi}`;
    this.calls++;
    const r = RESPONSES[key];
    if (r === undefined) throw new NonRetriableException(`unmocked AWS call ${key}`);
    if (r instanceof Error) throw r;
    return JSON.parse(JSON.stringify(r));
  }
}

const app = new App();
const doc = build(new Stack(app, 'BenchStack'));
const once = () => Simulation.ofAutomation(doc, { awsInvoker: new Invoker(), sleepHook: new MockSleep(), approveHook: new MockApprove() })
  .simulate({ BucketName: 'my-bucket' });

const first = once();
// The peer leaves the step that failed (PutEncryption) out of executedSteps and reports SUCCESS
// after the rollback; count the failed step too so that both sides count 20 step executions.
const stepsPerRun = first.executedSteps.length + 1;
say(JSON.stringify({ check: ResponseCode[first.responseCode], executedSteps: first.executedSteps, stepsPerRun }));
if (stepsPerRun !== 20) { say('unexpected path'); process.exit(1); }

const rates = [];
const cpuRates = [];
for (let round = 0; round < 7; round++) {
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  let runs = 0;
  while (Number(process.hrtime.bigint() - t0) / 1e9 < 1.0) { once(); runs++; }
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  const c = process.cpuUsage(c0);
  const cpu = (c.user + c.system) / 1e6;
  const steps = runs * stepsPerRun;
  say(JSON.stringify({ round, runs, steps, wall_s: +secs.toFixed(3), cpu_s: +cpu.toFixed(2), steps_per_wall_s: Math.round(steps / secs), steps_per_cpu_s: Math.round(steps / cpu), us_per_run_cpu: +(cpu * 1e6 / runs).toFixed(1) }));
  rates.push(steps / secs);
  cpuRates.push(steps / cpu);
}
rates.sort((a, b) => a - b);
cpuRates.sort((a, b) => a - b);
say(`median steps/s: ${Math.round(rates[3])} per wall-clock second, ${Math.round(cpuRates[3])} per CPU second (${stepsPerRun} steps per run)`);
