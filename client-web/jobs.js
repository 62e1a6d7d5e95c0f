// The job-progress demo: a thin user of the client library. The page asks the server's dev endpoint for a
// token (DEV_TOKENS), starts a job (DEMO_ENABLED), and shows what the worker publishes to its user: channel.
import { NotificationsClient } from './notifications.js';

const byId = (id) => document.getElementById(id);
const el = {
  status: byId('status'), statusText: byId('status-text'), user: byId('user'), region: byId('region'), instance: byId('instance'),
  signin: byId('signin'), name: byId('name'), start: byId('start'), error: byId('error'),
  job: byId('job'), jobId: byId('job-id'), bar: byId('bar'), percent: byId('percent'), label: byId('label'),
  notice: byId('notice'), steps: byId('steps'), result: byId('result'),
};

let user = null;
let token = null;
let currentJob = null;
// Every progress report shown, in arrival order: the page's own record, which the browser test reads.
const reports = [];
// The id of every alert this page received, whatever its job: another user's must never arrive.
const received = [];

async function fetchToken() {
  const response = await fetch('/demo/token', {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ user }),
  });
  if (!response.ok) throw new Error(`token: ${response.status} ${(await response.json()).detail ?? ''}`);
  token = (await response.json()).token;
  return token;
}

// Only the user's own channel: the global alerts of the alert page are not this page's business.
const client = new NotificationsClient({ global: false, getToken: fetchToken });

client.on('state', ({ state, reconnectAt }) => {
  el.status.dataset.state = state;
  el.statusText.textContent = state === 'reconnecting'
    ? `reconnecting in ${Math.max(1, Math.ceil((reconnectAt - Date.now()) / 1000))} s` : state;
});
client.on('welcome', (frame) => {
  // A failure of the connection itself (a token fetch while offline, say) is over once the page is live again.
  if (el.error.dataset.local === 'true') clearError();
  el.region.textContent = String(frame.region ?? '—');
  el.instance.textContent = String(frame.instance ?? '—');
});
client.on('resume', (resume) => {
  const missed = resume.complete === false;
  el.notice.hidden = !missed;
  el.notice.textContent = missed ? 'Some progress may have been missed while disconnected.' : '';
});
client.on('alert', (alert) => {
  received.push(alert.id);
  const progress = alert.data;
  if (!progress || typeof progress.job !== 'string' || progress.job !== currentJob) return;
  reports.push({ id: alert.id, step: progress.step, state: progress.state, percent: progress.percent, instance: alert.instance });
  show(progress);
});
client.on('error', (error) => showError(error.code, error.message, error.local === true));

function show(progress) {
  const percent = Math.max(0, Math.min(100, Number(progress.percent) || 0));
  el.bar.style.width = `${percent}%`;
  el.bar.parentElement.setAttribute('aria-valuenow', String(percent));
  el.percent.textContent = `${percent}%`;
  el.label.textContent = String(progress.label ?? '');
  if (progress.state === 'running' && progress.step > 0) {
    const item = document.createElement('li');
    item.dataset.step = String(progress.step);
    item.dataset.state = 'done';
    item.textContent = String(progress.label ?? `Step ${progress.step}`);
    el.steps.append(item);
  }
  if (progress.state === 'done' && progress.result) {
    el.result.hidden = false;
    el.result.textContent = `Ready: ${progress.result.file} (${progress.result.sizeMb} MB)`;
  }
}

async function onSignIn(event) {
  event.preventDefault();
  user = el.name.value.trim();
  try {
    await fetchToken();
  } catch (error) {
    return showError('token_failed', String(error.message));
  }
  el.user.textContent = user;
  el.signin.hidden = true;
  el.start.hidden = false;
  client.setToken(token);
  client.connect();
}

async function onStart(event) {
  event.preventDefault();
  clearError();
  const body = JSON.stringify(window.jobsDemoOptions ?? {});
  const response = await fetch('/demo/jobs', {
    method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` }, body,
  });
  const answer = await response.json();
  if (!response.ok) return showError(answer.code, answer.detail);
  currentJob = answer.job;
  reports.length = 0;
  el.steps.replaceChildren();
  el.result.hidden = true;
  el.jobId.textContent = currentJob;
  el.job.hidden = false;
}

function showError(code, message, local = false) {
  el.error.dataset.local = String(local);
  el.error.querySelector('.error-code').textContent = String(code ?? 'error');
  el.error.querySelector('.error-message').textContent = String(message ?? 'Something went wrong.');
  el.error.hidden = false;
}

function clearError() {
  el.error.hidden = true;
}

el.signin.addEventListener('submit', onSignIn);
el.start.addEventListener('submit', onStart);

// For tests and the console.
window.jobs = { client, reports: () => reports.map((r) => ({ ...r })), received: () => [...received], job: () => currentJob };
