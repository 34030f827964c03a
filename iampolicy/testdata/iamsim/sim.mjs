// sim.mjs runs @cloud-copilot/iam-simulate (pinned in package-lock.json) for iampolicy's
// least-privilege tests. The simulator is AGPL-3.0-or-later: it is a test tool run as a
// separate process, never linked into or shipped with the Go module. It reads one JSON job on stdin:
//
//   {"policy": <IAM policy document>, "requests": [{"action": "...", "resource": "...",
//     "context": {"<condition key>": "<value>"}}]}   (context is optional)
//
// and prints one JSON array with one object per request, in order:
//
//   [{"action": "...", "resource": "...", "decision": "Allowed" | "ExplicitlyDenied" |
//     "ImplicitlyDenied" | "Error", "error": "...", "unvalidated": true}]
//
// "unvalidated" marks requests the simulator could only run without its input checks
// (public SSM parameter ARNs, whose account field is empty).
//
// Each request is simulated as a same-account request under an identity policy: the
// calling principal is a role in the account that owns the resource (or 111122223333
// when the resource names no account), so only the identity policy decides, as it does
// for the public App Mesh Envoy repositories and parameters whose resource-side policies
// already allow the call.
import { runSimulation, runUnsafeSimulation } from '@cloud-copilot/iam-simulate'

const defaultAccount = '111122223333'

function accountOf(arn) {
  const parts = arn.split(':')
  if (parts.length >= 6 && /^[0-9]{12}$/.test(parts[4])) return parts[4]
  return defaultAccount
}

function partitionOf(arn) {
  const parts = arn.split(':')
  if (parts.length >= 6 && parts[0] === 'arn' && parts[1] !== '') return parts[1]
  return 'aws'
}

async function readStdin() {
  const chunks = []
  for await (const c of process.stdin) chunks.push(c)
  return Buffer.concat(chunks).toString('utf8')
}

const job = JSON.parse(await readStdin())
const out = []
for (const req of job.requests) {
  const account = accountOf(req.resource)
  const partition = partitionOf(req.resource)
  const simulation = {
    request: {
      principal: `arn:${partition}:iam::${account}:role/iampolicy-test`,
      action: req.action,
      resource: { resource: req.resource, accountId: account },
      contextVariables: req.context || {}
    },
    identityPolicies: [{ name: 'policy', policy: job.policy }],
    serviceControlPolicies: [],
    resourceControlPolicies: []
  }
  const res = await runSimulation(simulation, {})
  if (res.resultType === 'error' && res.errors.message === 'no.resource.types' && req.resource.split(':')[4] === '') {
    // The simulator's resource-type table needs an account in the ARN, but public SSM
    // parameters (arn:aws:ssm:REGION::parameter/aws/service/...) have none. Evaluate such
    // requests without input validation; the result says so.
    out.push({ action: req.action, resource: req.resource, decision: runUnsafeSimulation(simulation, {}), unvalidated: true })
  } else if (res.resultType === 'error') {
    out.push({ action: req.action, resource: req.resource, decision: 'Error', error: JSON.stringify(res.errors) })
  } else {
    out.push({ action: req.action, resource: req.resource, decision: res.overallResult })
  }
}
process.stdout.write(JSON.stringify(out) + '\n')
