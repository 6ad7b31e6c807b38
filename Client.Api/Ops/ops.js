// The operations page: reads and changes the grid through the partners' API (/api/v1) with the session cookie. Every
// change sends the antiforgery token that GET /session hands out. The DOM is built with textContent only: nothing the
// API returns is ever parsed as markup.

const api = '/api/v1';
let session = null;

const $ = (selector) => document.querySelector(selector);

function el(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  if (className) node.className = className;
  return node;
}

function row(cells) {
  const tr = document.createElement('tr');
  for (const cell of cells) {
    if (cell instanceof Node) {
      const td = document.createElement('td');
      td.append(cell);
      tr.append(td);
    } else if (cell && typeof cell === 'object') {
      const td = el('td', cell.text, cell.className);
      if (cell.node) td.append(cell.node);
      tr.append(td);
    } else {
      tr.append(el('td', cell ?? '—'));
    }
  }
  return tr;
}

function fill(table, rows, emptyText) {
  const body = table.tBodies[0];
  body.replaceChildren(...rows);
  if (rows.length === 0) {
    const tr = document.createElement('tr');
    const td = el('td', emptyText, 'empty');
    td.colSpan = table.tHead.rows[0].cells.length;
    tr.append(td);
    body.append(tr);
  }
}

function say(message, isError = false) {
  const status = $('#status');
  status.textContent = message;
  status.classList.toggle('error', isError);
}

class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.title ?? `The grid answered ${status}.`);
    this.status = status;
    this.problem = problem;
  }
}

async function call(path, { method = 'GET', body } = {}) {
  const headers = { Accept: 'application/json' };
  if (method !== 'GET') {
    headers['Content-Type'] = 'application/json';
    headers[session.antiforgeryHeader] = session.antiforgeryToken;
  }
  const response = await fetch(path, {
    method, headers, credentials: 'same-origin', body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (response.status === 401) {
    location.assign(`/session/sign-in?returnUrl=${encodeURIComponent('/ops/')}`);
    throw new ApiError(401, { title: 'The session ended: sign in again.' });
  }
  const isJson = (response.headers.get('Content-Type') ?? '').includes('json');
  const payload = isJson ? await response.json() : null;
  if (!response.ok) throw new ApiError(response.status, payload);
  return payload;
}

const when = (iso) => (iso ? new Date(iso).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '—');

function age(iso) {
  const seconds = Math.max(0, (Date.now() - new Date(iso).getTime()) / 1000);
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min`;
  if (seconds < 86400) return `${(seconds / 3600).toFixed(1)} h`;
  return `${(seconds / 86400).toFixed(1)} d`;
}

function duration(seconds) {
  if (seconds === null || seconds === undefined) return '—';
  if (Math.abs(seconds) < 3600) return `${Math.round(seconds / 60)} min`;
  if (Math.abs(seconds) < 86400) return `${(seconds / 3600).toFixed(1)} h`;
  return `${(seconds / 86400).toFixed(1)} d`;
}

const money = (m) => (m ? `${m.amount} ${m.currency}` : '—');

function button(text, onClick, label) {
  const b = el('button', text);
  b.type = 'button';
  if (label) b.setAttribute('aria-label', label);
  b.addEventListener('click', async () => {
    b.disabled = true;
    try {
      await onClick();
    } catch (error) {
      say(error.message, true);
    } finally {
      b.disabled = false;
    }
  });
  return b;
}

/** Asks for a note (a resolution or a discard reason) in the page's dialog; null when cancelled. */
function askNote(title, subject) {
  const dialog = $('#note-dialog');
  $('#note-title').textContent = title;
  $('#note-subject').textContent = subject;
  $('#note-text').value = '';
  dialog.returnValue = '';
  dialog.showModal();
  return new Promise((resolve) => {
    const done = () => {
      dialog.removeEventListener('close', done);
      resolve(dialog.returnValue === 'confirm' ? $('#note-text').value.trim() : null);
    };
    dialog.addEventListener('close', done);
  });
}

// ---- The shipment story -------------------------------------------------------------------------------------------

function describe(step) {
  const e = step.event;
  switch (step.type) {
    case 'ShipmentBooked': return `Booked with ${e.booking?.carrierId}`;
    case 'MilestoneRecorded': return `${e.carrierEvent?.milestone}${e.carrierEvent?.location ? ` at ${e.carrierEvent.location.city}` : ''}`;
    case 'ShipmentExceptionOpened': return `${e.carrierEvent?.deliveryException} (exception ${e.exceptionId})`;
    case 'ShipmentExceptionResolved': return `Exception ${e.exceptionId} resolved: ${e.resolution}`;
    case 'ChargeRecorded': return `${e.charge?.type} ${money(e.charge?.amount)}`;
    case 'ChargeVoided': return `Charge ${e.chargeId} voided: ${e.reason}`;
    case 'BillingIncomplete': return (e.problems ?? []).map((p) => p.detail).join(' ');
    case 'ShipmentInvoiced': return `Invoice ${e.invoiceNumber}`;
    default: return '';
  }
}

async function showStory(shipmentId) {
  const story = await call(`${api}/shipments/${encodeURIComponent(shipmentId)}/story`);
  const s = story.shipment;
  const b = s.booking;
  $('#story-heading').textContent = `Shipment ${b.shipmentId}`;
  const facts = [
    ['Customer', b.customerId], ['Carrier', b.carrierId], ['Status', s.status], ['Billing', s.billingStatus],
    ['PRO', b.references?.proNumber], ['Bill of lading', b.references?.billOfLading], ['PO', b.references?.purchaseOrder],
    ['From', `${b.origin.city}, ${b.origin.country}`], ['To', `${b.destination.city}, ${b.destination.country}`],
    ['Planned delivery', when(b.plannedDelivery)], ['Delivered', when(s.deliveredAt)],
  ];
  $('#story-summary').replaceChildren(...facts.flatMap(([name, value]) => [el('dt', name), el('dd', value ?? '—')]));
  fill($('#story-timeline'), story.steps.map((step) => row([
    { text: step.version, className: 'num' }, when(step.occurredAt), step.type, describe(step), step.source ?? 'grid',
    { text: step.eventId, className: 'id' }, { text: step.traceId ?? '—', className: 'id' },
  ])), 'No events.');
  fill($('#story-charges'), s.charges.map((c) => row([
    { text: c.chargeId, className: 'id' }, c.type, { text: money(c.amount), className: 'num' }, c.source, c.sourceReference,
  ])), 'No charges yet.');
  fill($('#story-invoices'), story.invoices.map((i) => row([
    { text: i.invoiceNumber, className: 'id' }, i.kind, i.status, { text: money(i.total), className: 'num' },
    { text: i.erpDocumentNumber ?? '—', className: 'id' }, when(i.postedAt),
  ])), 'No invoice yet.');
  fill($('#story-exceptions'), story.exceptions.map((x) => row([
    { text: x.exceptionId, className: 'id' }, x.reason, when(x.openedAt), x.resolution ?? 'open',
  ])), 'No exceptions.');
  fill($('#story-cases'), story.cases.map((c) => row([
    { text: c.caseId, className: 'id' }, c.reason, c.status, when(c.openedAt), c.timeline.at(-1)?.text,
  ])), 'No service cases.');
  fill($('#story-notifications'), story.notifications.map((n) => row([
    { text: n.notificationId, className: 'id' }, n.kind, when(n.occurredAt), n.text,
  ])), 'No notifications.');
  fill($('#story-deliveries'), story.webhookDeliveries.map((d) => row([
    { text: d.notificationId, className: 'id' }, { text: d.subscriptionId, className: 'id' }, { text: d.attempt, className: 'num' }, when(d.attemptedAt),
    d.succeeded ? { text: `Delivered${d.statusCode ? ` (${d.statusCode})` : ''}`, className: 'good' }
      : { text: `Failed${d.statusCode ? ` (${d.statusCode})` : ''}${d.error ? `: ${d.error}` : ''}`, className: 'bad' },
  ])), 'No webhook deliveries.');
  $('#story-view').hidden = false;
  $('#kpi-carrier').value = b.carrierId;
  $('#kpi-customer').value = b.customerId;
}

async function search(kind, value) {
  $('#matches').replaceChildren();
  if (kind === 'id') {
    await showStory(value);
    return;
  }
  const found = await call(`${api}/shipments?${kind}=${encodeURIComponent(value)}`);
  if (found.items.length === 0) {
    $('#story-view').hidden = true;
    say(`No shipment has that reference.`);
    return;
  }
  if (found.items.length > 1) {
    const list = el('ul');
    for (const match of found.items) {
      const item = el('li');
      item.append(button(match.shipmentId, () => showStory(match.shipmentId), `Show shipment ${match.shipmentId}`),
        el('span', ` ${match.carrierId} · ${match.customerId} · booked ${when(match.bookedAt)}`));
      list.append(item);
    }
    $('#matches').append(el('p', `${found.items.length} shipments have that reference:`), list);
  }
  await showStory(found.items[0].shipmentId);
}

// ---- KPIs and their trend (one read of the daily buckets per day) ------------------------------------------------

const isoDay = (date) => date.toISOString().slice(0, 10);

function lastDays(count) {
  const today = new Date();
  return Array.from({ length: count }, (_, i) => isoDay(new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate() - (count - 1 - i)))));
}

function bar(value, max) {
  const span = el('span', null, 'bar');
  span.style.width = `${max > 0 ? Math.round((value / max) * 8) : 0}rem`;
  span.setAttribute('aria-hidden', 'true');
  return span;
}

async function showKpis() {
  const carrier = $('#kpi-carrier').value.trim();
  const customer = $('#kpi-customer').value.trim();
  const days = lastDays(Number($('#kpi-days').value));
  const lag = await call(`${api}/journal/lag`).catch(() => null);
  $('#journal-lag').textContent = lag ? `Journal readers: ${lag.events} events behind, oldest ${lag.seconds.toFixed(1)} s; ${lag.deadLetters} dead-lettered by followers.` : '';

  $('#kpi-carrier-view').hidden = !carrier;
  if (carrier) {
    const path = `${api}/kpis/carriers/${encodeURIComponent(carrier)}`;
    const [total, ...daily] = await Promise.all([
      call(`${path}?from=${days[0]}&to=${days.at(-1)}`),
      ...days.map((day) => call(`${path}?from=${day}&to=${day}`)),
    ]);
    const scoreRow = (label, k) => {
      const meter = el('meter');
      meter.min = 0; meter.max = 100; meter.value = k.slaCompliancePercent ?? 0;
      meter.setAttribute('aria-label', `SLA compliance ${label}`);
      const sla = el('span');
      sla.append(meter, ` ${k.slaCompliancePercent === null ? '—' : `${k.slaCompliancePercent}%`}`);
      return row([label, { text: k.shipments, className: 'num' }, { text: k.delivered, className: 'num' }, { text: k.onTime, className: 'num' },
        sla, { text: k.exceptionsPer100Shipments ?? '—', className: 'num' }, { text: k.duplicates, className: 'num' }, { text: k.deadLetters, className: 'num' }]);
    };
    fill($('#kpi-carrier-table'), [...daily.map((k, i) => scoreRow(days[i], k)), scoreRow(`${days.length} days`, total)], 'No data.');
  }

  $('#kpi-customer-view').hidden = !customer;
  if (customer) {
    const path = `${api}/kpis/customers/${encodeURIComponent(customer)}`;
    const daily = await Promise.all(days.map((day) => call(`${path}?from=${day}&to=${day}`)));
    const max = Math.max(...daily.map((k) => k.invoicesPosted));
    fill($('#kpi-customer-table'), daily.map((k, i) => row([
      days[i], { text: k.invoicesPosted, className: 'num' }, { text: duration(k.invoiceCycleTime.averageSeconds), className: 'num' },
      { text: duration(k.shipmentToCash.averageSeconds), className: 'num' }, bar(k.invoicesPosted, max),
    ])), 'No data.');
  }
}

// ---- Exception queues ---------------------------------------------------------------------------------------------

let exceptionsNext = null;

function exceptionQuery(after) {
  const query = new URLSearchParams({ limit: '50' });
  const queue = $('#exception-queue').value;
  const owner = $('#exception-owner').value;
  if (queue) query.set('queue', queue);
  if (owner) query.set('owner', owner);
  if (after) query.set('after', after);
  return `${api}/exceptions?${query}`;
}

const queueName = (id) => id.slice(0, id.indexOf('/'));

function exceptionRow(item) {
  const actions = el('td', null, 'actions');
  const queue = queueName(item.exceptionId);
  if (queue === 'dead-letter' || queue === 'erp-failure') {
    actions.append(button('Retry', async () => {
      await call(`${api}/exceptions/retry`, { method: 'POST', body: { exceptionId: item.exceptionId } });
      say(`Retried ${item.exceptionId}.`);
      await Promise.all([loadExceptions(), loadDeadLetters()]);
    }, `Retry ${item.exceptionId}`));
  }
  const tr = row([queue, { text: item.subject, className: 'id' }, item.reason, item.owners, { text: age(item.openedAt), className: 'num' }]);
  actions.append(button('Resolve', async () => {
    const resolution = await askNote('Resolve exception', item.exceptionId);
    if (!resolution) return;
    await call(`${api}/exceptions/resolve`, { method: 'POST', body: { exceptionId: item.exceptionId, resolution } });
    // A delivery exception is resolved on its shipment and its queue item follows through the journal a moment later,
    // so the row goes now rather than on the next read of the list.
    tr.remove();
    say(`Resolved ${item.exceptionId}.`);
  }, `Resolve ${item.exceptionId}`));
  tr.append(actions);
  return tr;
}

/** Every queue's open items by age band, counted by the read models (not only the items listed). */
async function countQueues() {
  const queues = await call(`${api}/exceptions/ages`);
  const num = (value) => ({ text: value, className: 'num' });
  fill($('#exception-ages'), queues.map((q) => row([
    q.queue, num(q.underAnHour), num(q.underADay), num(q.underAWeek), num(q.older), num(q.total), num(q.oldestOpenedAt ? age(q.oldestOpenedAt) : '—'),
  ])), 'No queues.');
}

async function loadExceptions(append = false) {
  const page = await call(exceptionQuery(append ? exceptionsNext : null));
  exceptionsNext = page.next;
  const rows = page.items.map(exceptionRow);
  if (append) $('#exception-table').tBodies[0].append(...rows);
  else fill($('#exception-table'), rows, 'No open items.');
  $('#exception-more').hidden = !page.next;
  await countQueues();
}

// ---- Dead letters -------------------------------------------------------------------------------------------------

let lettersNext = null;

async function loadDeadLetters(append = false) {
  const query = new URLSearchParams({ limit: '50', status: 'open' });
  if (append && lettersNext) query.set('after', lettersNext);
  const page = await call(`${api}/dead-letters?${query}`);
  lettersNext = page.next;
  const rows = page.items.map((letter) => {
    const e = letter.carrierEvent;
    const key = { carrierId: e.carrierId, eventId: e.eventId };
    const actions = el('td', null, 'actions');
    actions.append(
      button('Replay', async () => {
        const result = await call(`${api}/dead-letters/replay`, { method: 'POST', body: { items: [key] } });
        const outcome = result.results[0];
        say(`Replay of ${e.eventId}: ${outcome.outcome}${outcome.outcome === 'StillRejected' ? ` (${outcome.letter?.reason})` : ''}.`, outcome.outcome !== 'Replayed');
        if (outcome.outcome !== 'StillRejected') tr.remove();
        await loadExceptions();
      }, `Replay ${e.eventId}`),
      button('Discard', async () => {
        const reason = await askNote('Discard dead letter', `${e.carrierId} / ${e.eventId}`);
        if (!reason) return;
        await call(`${api}/dead-letters/discard`, { method: 'POST', body: { items: [key], reason } });
        say(`Discarded ${e.eventId}.`);
        tr.remove();
        await loadExceptions();
      }, `Discard ${e.eventId}`),
    );
    const tr = row([e.carrierId, { text: e.eventId, className: 'id' }, { text: e.shipmentId, className: 'id' }, e.source, letter.reason,
      { text: age(letter.deadLetteredAt), className: 'num' }]);
    tr.append(actions);
    return tr;
  });
  if (append) $('#dead-letter-table').tBodies[0].append(...rows);
  else fill($('#dead-letter-table'), rows, 'No open dead letters.');
  $('#dead-letter-more').hidden = !page.next;
}

// ---- Webhook subscriptions and their health ------------------------------------------------------------------------

async function loadWebhooks() {
  let page;
  try {
    page = await call(`${api}/webhooks?limit=50`);
  } catch (error) {
    if (error.status === 403 || error.status === 404) {
      fill($('#webhook-table'), [], 'Webhook subscriptions are shown to admins.');
      return;
    }
    throw error;
  }
  const rows = await Promise.all(page.items.map(async (sub) => {
    const attempts = await call(`${api}/webhooks/${encodeURIComponent(sub.subscriptionId)}/deliveries?limit=1`);
    const last = attempts.items[0];
    const health = !sub.enabled
      ? { text: `Disabled${sub.disabledReason ? `: ${sub.disabledReason}` : ''}`, className: 'bad' }
      : sub.consecutiveFailures > 0
        ? { text: `${sub.consecutiveFailures} failures in a row`, className: 'bad' }
        : { text: 'Healthy', className: 'good' };
    const lastText = last ? `${last.succeeded ? 'Delivered' : `Failed${last.statusCode ? ` (${last.statusCode})` : ''}`} ${when(last.attemptedAt)}` : 'Nothing sent yet';
    return row([{ text: sub.subscriptionId, className: 'id' }, { text: sub.url, className: 'id' }, sub.customerId ?? 'all',
      (sub.eventTypes ?? []).join(', '), health, lastText]);
  }));
  fill($('#webhook-table'), rows, 'No subscriptions.');
}

// ---- Wiring --------------------------------------------------------------------------------------------------------

function guarded(task) {
  return async (event) => {
    event?.preventDefault();
    try {
      await task();
    } catch (error) {
      say(error.status === 404 ? 'Not found.' : error.message, true);
    }
  };
}

async function start() {
  session = await call('/session');
  $('#who').textContent = `Signed in as ${session.keyId} (${session.roles.join(', ')})`;
  $('#sign-out').addEventListener('click', async () => {
    await fetch('/session/sign-out', {
      method: 'POST', credentials: 'same-origin', headers: { [session.antiforgeryHeader]: session.antiforgeryToken }, body: new FormData(),
    });
    location.assign(`/session/sign-in?returnUrl=${encodeURIComponent('/ops/')}`);
  });
  $('#note-cancel').addEventListener('click', () => $('#note-dialog').close('cancel'));
  $('#search').addEventListener('submit', guarded(() => search($('#search-kind').value, $('#search-value').value.trim())));
  $('#kpi-form').addEventListener('submit', guarded(showKpis));
  $('#exception-filter').addEventListener('submit', guarded(() => loadExceptions()));
  $('#exception-more').addEventListener('click', guarded(() => loadExceptions(true)));
  $('#dead-letter-more').addEventListener('click', guarded(() => loadDeadLetters(true)));
  await Promise.all([loadExceptions(), loadDeadLetters(), loadWebhooks(), showKpis()]);
  document.body.dataset.ready = 'true';
}

guarded(start)();
