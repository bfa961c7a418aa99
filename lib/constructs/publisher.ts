import { Arn, ArnFormat, Token } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { ENV } from '../wiring.ts';
import type { TallyFunction } from './tally-function.ts';

/** The MSK cluster and topic decision events also go to (`-c mskClusterArn` + `-c decisionsTopic`). */
export interface DecisionsTopic {
  /** `arn:aws:kafka:<region>:<account>:cluster/<name>/<uuid>` */
  clusterArn: string;
  topic: string;
}

const KAFKA_TOPIC = /^[A-Za-z0-9._-]{1,249}$/;

export interface PublisherProps {
  /** The CloudEvent `source` (and EventBridge `source`) of every published event, e.g. `tally/prod`. */
  source: string;
  decisions: DecisionsTopic | undefined;
}

/**
 * Events out: the EventBridge bus the stack creates (consumers add rules on it) and, optionally,
 * the MSK decisions topic. Only functions flagged `publishesEvents` get the bus's name and
 * PutEvents on it; nobody else may put events on the bus.
 */
export class Publisher extends Construct {
  readonly bus: events.EventBus;
  readonly decisions: DecisionsTopic | undefined;
  private readonly source: string;

  constructor(scope: Construct, id: string, props: PublisherProps) {
    super(scope, id);
    this.source = props.source;
    this.decisions = props.decisions;
    this.bus = new events.EventBus(this, 'Bus', {
      description: 'Tally publishes what happens to wallets here as CloudEvents (detail = the CloudEvent)',
    });
  }

  /** The bus's name and source in the function's environment; PutEvents on exactly this bus. */
  grantPublish(fn: TallyFunction): void {
    fn.function.addEnvironment(ENV.eventBusName, this.bus.eventBusName);
    fn.function.addEnvironment(ENV.eventsSource, this.source);
    this.bus.grantPutEventsTo(fn.role);
    const decisions = this.decisions;
    if (decisions === undefined) return;
    fn.function.addEnvironment(ENV.mskClusterArn, decisions.clusterArn);
    fn.function.addEnvironment(ENV.decisionsTopic, decisions.topic);
    const allow = (actions: string[], resource: string) =>
      fn.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions, resources: [resource] }));
    // Broker discovery (GetBootstrapBrokers) and the IAM-authenticated producer connection.
    allow(['kafka:GetBootstrapBrokers'], decisions.clusterArn);
    allow(['kafka-cluster:Connect'], decisions.clusterArn);
    allow(['kafka-cluster:DescribeTopic', 'kafka-cluster:WriteData'], topicArn(decisions));
  }
}

/** `…:cluster/<name>/<uuid>` → `…:topic/<name>/<uuid>/<topic>` (MSK's IAM resource for a topic). */
function topicArn(decisions: DecisionsTopic): string {
  const cluster = Arn.split(decisions.clusterArn, ArnFormat.SLASH_RESOURCE_NAME);
  return Arn.format({
    ...cluster,
    resource: 'topic',
    resourceName: `${cluster.resourceName}/${decisions.topic}`,
  });
}

/** `-c mskClusterArn=… -c decisionsTopic=…`: both, or no decisions topic. */
export function decisionsFromContext(scope: Construct): DecisionsTopic | undefined {
  const clusterArn: unknown = scope.node.tryGetContext('mskClusterArn');
  const topic: unknown = scope.node.tryGetContext('decisionsTopic');
  if (topic === undefined) return undefined;
  if (typeof clusterArn !== 'string' || typeof topic !== 'string') {
    throw new Error('context decisionsTopic needs mskClusterArn (both strings)');
  }
  return validateDecisions({ clusterArn, topic });
}

export function validateDecisions(decisions: DecisionsTopic | undefined): DecisionsTopic | undefined {
  if (decisions === undefined) return undefined;
  if (
    !Token.isUnresolved(decisions.clusterArn) &&
    !/^arn:[^:]+:kafka:[^:]+:[^:]+:cluster\/[^/]+\/[^/]+$/.test(decisions.clusterArn)
  ) {
    throw new Error(`MSK cluster ARN must be arn:<partition>:kafka:<region>:<account>:cluster/<name>/<uuid>`);
  }
  if (!Token.isUnresolved(decisions.topic) && !KAFKA_TOPIC.test(decisions.topic)) {
    throw new Error(`decisionsTopic must be 1–249 characters of [A-Za-z0-9._-]`);
  }
  return decisions;
}
