#!/usr/bin/env bash
# Deploy (or destroy) the Tally CDK app on LocalStack. NEEDS DOCKER: LocalStack runs in a container
# and starts one more per Lambda function. Start LocalStack first: see localstack/README.md.
#
#   localstack/deploy.sh            bootstrap + deploy, outputs in cdk.out/localstack-outputs.json
#   localstack/deploy.sh deploy -c fifo=true
#                                   extra arguments go to `cdk deploy` (context: see bin/app.ts)
#   localstack/deploy.sh destroy    delete the stack
#
# Authorization: IAM (-c auth=iam) unless the arguments choose a mode (-c jwtIssuer=..., -c cognito=true).
# LocalStack's JWT authorizer needs an issuer it can reach and is only partly emulated; with IAM the
# routes deploy as in a service-to-service AWS deployment, and callers sign with SigV4 (test/test).
set -euo pipefail
cd "$(dirname "$0")/.."

# cdklocal wraps the aws-cdk CLI found through NODE_PATH: the project's pinned one, whose cloud
# assembly schema matches aws-cdk-lib.
readonly CDKLOCAL_VERSION=3.0.4
export NODE_PATH="$PWD/node_modules${NODE_PATH:+:$NODE_PATH}"

readonly ACCOUNT=000000000000
export AWS_REGION="${AWS_REGION:-us-east-1}"
export AWS_DEFAULT_REGION="$AWS_REGION"
export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test
export AWS_ENDPOINT_URL="${AWS_ENDPOINT_URL:-http://localhost:4566}"
# cdklocal needs an S3 endpoint with an ".s3." component to recognise S3 requests.
export AWS_ENDPOINT_URL_S3="${AWS_ENDPOINT_URL_S3:-http://s3.localhost.localstack.cloud:4566}"
# cdklocal drops AWS_* variables (so nothing can reach real AWS) except these.
export AWS_ENVAR_ALLOWLIST=AWS_REGION,AWS_DEFAULT_REGION,AWS_ACCESS_KEY_ID,AWS_SECRET_ACCESS_KEY
export CDK_DEFAULT_ACCOUNT="$ACCOUNT" CDK_DEFAULT_REGION="$AWS_REGION"
export CDK_DISABLE_VERSION_CHECK=1 CDK_DISABLE_CLI_TELEMETRY=true

action="${1:-deploy}"
if [ "$#" -gt 0 ]; then shift; fi
case "$action" in
  deploy | destroy) ;;
  *)
    echo "usage: localstack/deploy.sh [deploy|destroy] [cdk arguments...]" >&2
    exit 2
    ;;
esac

cdklocal() { npx --yes "aws-cdk-local@${CDKLOCAL_VERSION}" "$@"; }

# The stack refuses to synthesize without an authorization mode; default to IAM here.
auth_context=(-c auth=iam)
for arg in "$@"; do
  case "$arg" in
    auth=* | jwtIssuer=* | cognito=* | --context=auth=* | --context=jwtIssuer=* | --context=cognito=*) auth_context=() ;;
  esac
done

for attempt in $(seq 1 30); do
  if curl -sf "$AWS_ENDPOINT_URL/_localstack/health" >/dev/null; then break; fi
  if [ "$attempt" -eq 30 ]; then
    echo "LocalStack does not answer at $AWS_ENDPOINT_URL; start it with: docker compose -f localstack/docker-compose.yml up -d" >&2
    exit 1
  fi
  sleep 2
done

# A LocalStack stack is throwaway: let the table, queues and log groups go with it.
if [ "$action" = destroy ]; then
  cdklocal destroy Tally --force -c removalPolicy=destroy ${auth_context[@]+"${auth_context[@]}"} "$@"
  exit 0
fi

cdklocal bootstrap "aws://$ACCOUNT/$AWS_REGION"
cdklocal deploy Tally --require-approval never -c removalPolicy=destroy ${auth_context[@]+"${auth_context[@]}"} \
  --outputs-file cdk.out/localstack-outputs.json "$@"
echo "Outputs written to cdk.out/localstack-outputs.json"
