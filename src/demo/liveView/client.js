// The live view's browser side: plain JavaScript, no dependencies, fed by Server-Sent Events.
// Served as is by routes.ts; the page gives it the event stream's path and the diagram template.
// One compact row per task in a scrolling list; a task's diagram and history are built only when
// its row is opened, so 1,000 tasks cost 1,000 small rows, not 1,000 diagrams.
(function () {
  'use strict';
  var root = document.getElementById('live-view');
  var eventsPath = root.getAttribute('data-events');
  var maxRows = Number(root.getAttribute('data-max-cards')) || 1000;
  var template = document.getElementById('machine-template');
  var list = document.getElementById('tasks');
  var empty = document.getElementById('empty');
  var countsEl = document.getElementById('counts');
  var connection = document.getElementById('connection');
  var overview = document.querySelector('#overview svg');
  var filterEl = document.getElementById('status-filter');
  var searchEl = document.getElementById('search');
  var shownEl = document.getElementById('shown');
  var stateKeys = Array.prototype.map.call(overview.querySelectorAll('g.state:not(.compound)'), function (g) {
    return g.getAttribute('data-key');
  });
  var rows = new Map(); // taskId -> { view, el, detail }
  var poolShownAt; // when the pool panel's figures came (ms), once they did
  var filter = { state: '', text: '' };
  // Measured in the page, read by the Chromium test: how long the last snapshot and update took to
  // apply, layout included (ms).
  var metrics = { snapshotMs: undefined, updateMs: undefined, maxUpdateMs: 0, firstRenderAt: undefined, updates: 0 };
  window.liveViewMetrics = metrics;

  stateKeys.forEach(function (key) {
    var option = document.createElement('option');
    option.value = key;
    option.textContent = key;
    filterEl.appendChild(option);
  });

  function clock(ms) {
    var d = new Date(ms);
    var pad = function (n, w) {
      return String(n).padStart(w, '0');
    };
    return pad(d.getHours(), 2) + ':' + pad(d.getMinutes(), 2) + ':' + pad(d.getSeconds(), 2) + '.' + pad(d.getMilliseconds(), 3);
  }

  function duration(ms) {
    if (ms < 1000) return Math.round(ms) + ' ms';
    if (ms < 60000) return (ms / 1000).toFixed(1) + ' s';
    return Math.floor(ms / 60000) + ' min ' + Math.round((ms % 60000) / 1000) + ' s';
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function age(view) {
    return view.live ? duration(Date.now() - view.startedAt) : 'took ' + duration((view.endedAt || view.updatedAt) - view.startedAt);
  }

  function matches(view) {
    if (filter.state && view.state !== filter.state) return false;
    if (!filter.text) return true;
    return view.taskId.toLowerCase().indexOf(filter.text) >= 0 || (view.tool || '').toLowerCase().indexOf(filter.text) >= 0;
  }

  function createRow(entry) {
    var row = el('div', 'row');
    row.setAttribute('role', 'listitem');
    row.setAttribute('tabindex', '0');
    row.setAttribute('aria-expanded', 'false');
    row.setAttribute('data-task-id', entry.view.taskId);
    row.appendChild(el('span', 'badge'));
    var id = el('code', 'id', entry.view.taskId.slice(0, 12) + (entry.view.taskId.length > 12 ? '…' : ''));
    id.title = entry.view.taskId;
    row.appendChild(id);
    row.appendChild(el('span', 'tool'));
    row.appendChild(el('span', 'age'));
    row.appendChild(el('span', 'message'));
    row.addEventListener('click', function () {
      toggleDetail(entry);
    });
    row.addEventListener('keydown', function (event) {
      if (event.key === 'Enter' || event.key === ' ') {
        event.preventDefault();
        toggleDetail(entry);
      }
    });
    return row;
  }

  function fillRow(entry) {
    var view = entry.view;
    var row = entry.el;
    row.setAttribute('data-state', view.state);
    row.classList.toggle('finished', !view.live);
    var badge = row.children[0];
    badge.textContent = view.state || 'starting';
    badge.setAttribute('data-key', view.state);
    row.children[2].textContent = view.tool || '';
    row.children[3].textContent = age(view);
    var message = row.children[4];
    var failed = view.state === 'failed' && view.error;
    message.textContent = failed ? view.error : view.message || '';
    message.classList.toggle('error', Boolean(failed));
    message.title = message.textContent;
    var shown = matches(view);
    row.hidden = !shown;
    if (entry.detail) {
      entry.detail.hidden = !shown;
      fillDetail(entry);
    }
  }

  function toggleDetail(entry) {
    if (entry.detail) {
      entry.detail.remove();
      entry.detail = undefined;
      entry.el.setAttribute('aria-expanded', 'false');
      return;
    }
    var detail = el('div', 'detail');
    detail.appendChild(el('code', 'full-id', entry.view.taskId));
    var diagram = el('div', 'diagram');
    diagram.appendChild(template.content.firstElementChild.cloneNode(true));
    detail.appendChild(diagram);
    detail.appendChild(el('ol', 'history'));
    entry.detail = detail;
    entry.el.setAttribute('aria-expanded', 'true');
    list.insertBefore(detail, entry.el.nextSibling);
    fillDetail(entry);
  }

  function highlight(svg, view) {
    var visited = new Set(
      view.history.map(function (step) {
        return step.state;
      }),
    );
    svg.querySelectorAll('g.state').forEach(function (g) {
      var id = g.getAttribute('data-state');
      g.classList.toggle('current', id === view.stateId);
      g.classList.toggle('within', view.stateId.indexOf(id + '.') === 0);
      g.classList.toggle('visited', visited.has(g.getAttribute('data-key')) && id !== view.stateId);
    });
  }

  function fillDetail(entry) {
    var view = entry.view;
    highlight(entry.detail.querySelector('svg'), view);
    var history = entry.detail.querySelector('.history');
    history.textContent = '';
    view.history.forEach(function (step, index) {
      var item = el('li');
      item.setAttribute('data-state', step.state);
      item.appendChild(el('time', '', clock(step.at)));
      item.appendChild(el('b', '', step.state));
      item.appendChild(el('span', 'event', step.event));
      var previous = view.history[index - 1];
      item.appendChild(el('span', 'delta', previous ? '+' + duration(step.at - previous.at) : ''));
      history.appendChild(item);
    });
  }

  /** Applies one task's view; true when the list's order may have changed. */
  function upsert(view) {
    var entry = rows.get(view.taskId);
    var reorder = !entry || entry.view.live !== view.live;
    if (!entry) {
      entry = { view: view, el: undefined, detail: undefined };
      entry.el = createRow(entry);
      rows.set(view.taskId, entry);
    }
    entry.view = view;
    fillRow(entry);
    return reorder;
  }

  function remove(taskId) {
    var entry = rows.get(taskId);
    if (!entry) return;
    entry.el.remove();
    if (entry.detail) entry.detail.remove();
    rows.delete(taskId);
  }

  // Live tasks first (newest first), then finished ones (latest ended first); at most maxRows.
  // Only rows out of place move: a walk with a cursor, so an unchanged order costs no DOM writes.
  function arrange() {
    var entries = Array.from(rows.values()).sort(function (a, b) {
      if (a.view.live !== b.view.live) return a.view.live ? -1 : 1;
      return a.view.live ? b.view.startedAt - a.view.startedAt : (b.view.endedAt || 0) - (a.view.endedAt || 0);
    });
    entries.slice(maxRows).forEach(function (entry) {
      remove(entry.view.taskId);
    });
    var cursor = list.firstChild;
    entries.slice(0, maxRows).forEach(function (entry) {
      [entry.el, entry.detail].forEach(function (node) {
        if (!node) return;
        if (node === cursor) cursor = cursor.nextSibling;
        else list.insertBefore(node, cursor);
      });
    });
    empty.hidden = rows.size > 0;
  }

  function showShown() {
    var shown = 0;
    rows.forEach(function (entry) {
      if (!entry.el.hidden) shown++;
    });
    shownEl.textContent = shown === rows.size ? rows.size + ' tasks' : shown + ' of ' + rows.size + ' tasks';
  }

  function applyFilter() {
    rows.forEach(function (entry) {
      var shown = matches(entry.view);
      entry.el.hidden = !shown;
      if (entry.detail) entry.detail.hidden = !shown;
    });
    countsEl.querySelectorAll('.chip').forEach(function (chip) {
      chip.setAttribute('aria-pressed', String(chip.getAttribute('data-key') === filter.state));
    });
    filterEl.value = filter.state;
    showShown();
  }

  function showCounts(counts) {
    if (!countsEl.firstChild) {
      stateKeys.forEach(function (key) {
        var chip = el('button', 'chip');
        chip.type = 'button';
        chip.setAttribute('data-key', key);
        chip.setAttribute('aria-pressed', 'false');
        chip.appendChild(el('span', 'name', key));
        chip.appendChild(el('b', 'n', '0'));
        chip.addEventListener('click', function () {
          filter.state = filter.state === key ? '' : key;
          applyFilter();
        });
        countsEl.appendChild(chip);
      });
    }
    countsEl.querySelectorAll('.chip').forEach(function (chip) {
      chip.querySelector('.n').textContent = String(counts[chip.getAttribute('data-key')] || 0);
    });
    overview.querySelectorAll('g.state').forEach(function (g) {
      var n = counts[g.getAttribute('data-key')];
      var label = g.querySelector('text.count');
      if (label) label.textContent = n ? String(n) : '';
      g.classList.toggle('occupied', Boolean(n));
    });
  }

  function setConnection(text, ok) {
    connection.textContent = text;
    connection.classList.toggle('ok', ok);
  }

  filterEl.addEventListener('change', function () {
    filter.state = filterEl.value;
    applyFilter();
  });
  searchEl.addEventListener('input', function () {
    filter.text = searchEl.value.trim().toLowerCase();
    applyFilter();
  });

  // Opened as /tasks?token=…, the page passes the operator token on to its stream (EventSource sends no headers).
  var token = new URLSearchParams(location.search).get('token');
  var streamUrl = token ? eventsPath + '?token=' + encodeURIComponent(token) : eventsPath;
  connect();

  function connect() {
    var source = new EventSource(streamUrl);
    source.addEventListener('open', function () {
      setConnection('live', true);
    });
    source.addEventListener('error', function () {
      // EventSource retries a dropped stream by itself, never a refused one (503 while too many pages
      // are open, 401): that one is retried here, a few seconds later, with a new EventSource.
      var refused = source.readyState === EventSource.CLOSED;
      setConnection(refused ? 'refused by the server; retrying…' : 'reconnecting…', false);
      if (refused) setTimeout(connect, 5000);
    });
    source.addEventListener('snapshot', function (message) {
      var started = performance.now();
      var data = JSON.parse(message.data);
      rows.forEach(function (entry) {
        entry.el.remove();
        if (entry.detail) entry.detail.remove();
      });
      rows.clear();
      data.tasks.forEach(upsert);
      arrange();
      showCounts(data.counts);
      showShown();
      void document.body.offsetHeight; // layout now, so the figure includes it
      metrics.snapshotMs = performance.now() - started;
      if (metrics.firstRenderAt === undefined) metrics.firstRenderAt = performance.now();
    });
    source.addEventListener('update', function (message) {
      var started = performance.now();
      var data = JSON.parse(message.data);
      var reorder = data.removed.length > 0;
      data.tasks.forEach(function (view) {
        if (upsert(view)) reorder = true;
      });
      data.removed.forEach(remove);
      if (reorder) arrange();
      showCounts(data.counts);
      showShown();
      void document.body.offsetHeight;
      metrics.updateMs = performance.now() - started;
      metrics.maxUpdateMs = Math.max(metrics.maxUpdateMs, metrics.updateMs);
      metrics.updates++;
    });
    // A front's worker pool (pushed only when the server has one): waiting jobs and who runs the active ones.
    source.addEventListener('pool', function (message) {
      var data = JSON.parse(message.data);
      var panel = document.getElementById('pool');
      poolShownAt = Date.now();
      panel.classList.remove('stale');
      document.getElementById('pool-status').hidden = true;
      var body = panel.querySelector('tbody');
      body.textContent = '';
      data.queues.forEach(function (queue) {
        var row = el('tr');
        row.setAttribute('data-tool', queue.tool);
        row.appendChild(el('td', 'tool', queue.tool));
        row.appendChild(el('td', 'waiting', String(queue.waiting)));
        var running = el('td', 'running');
        queue.active.forEach(function (job, index) {
          var item = el('span', 'job', (index > 0 ? ', ' : '') + job.taskId.slice(0, 12) + '… on ' + (job.worker || 'a worker'));
          item.setAttribute('data-task-id', job.taskId);
          item.setAttribute('data-worker', job.worker || '');
          running.appendChild(item);
        });
        if (queue.active.length === 0) running.textContent = '—';
        row.appendChild(running);
        body.appendChild(row);
      });
      panel.hidden = false;
    });
    // The pool did not answer (Redis away, a call that hangs): said so, its last figures kept but greyed.
    source.addEventListener('poolUnavailable', function (message) {
      var data = JSON.parse(message.data);
      var panel = document.getElementById('pool');
      var status = document.getElementById('pool-status');
      status.textContent =
        'Pool status unavailable: ' + data.reason + (poolShownAt ? '. The figures below are from ' + clock(poolShownAt) + '.' : '.');
      status.hidden = false;
      panel.classList.add('stale');
      panel.hidden = false;
    });
  }

  // Keep "12.3 s" moving between events, for the rows in view only.
  setInterval(function () {
    rows.forEach(function (entry) {
      if (!entry.view.live || entry.el.hidden) return;
      entry.el.children[3].textContent = age(entry.view);
    });
  }, 1000);
})();
