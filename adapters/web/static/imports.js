// Imports page: upload a list, see what was recognised, correct a column's
// mapping, dry run, outcome and errors by cell, the marked error workbook,
// the real import with the same file, and the past imports with undo.
import { api, putJSON, download, datumZeit, zahl, el, status, page, ApiError } from './common.js';

export const ARTEN = {
  melderegister: 'Melderegister-Auszug',
  schueler: 'Schülerliste',
  schulen: 'Schulen',
  schulbezirke: 'Straßenverzeichnis',
  bestaetigungen: 'Schulbesuchsbestätigungen',
  schuelerzahlen: 'Schülerzahlen (Historie der Planung)',
  bevoelkerung: 'Kinder je Schulbezirk und Einschulungsjahr',
  uebergang: 'Anmeldungen zum Schuljahrgang 5 (Übergang)',
};

const STAND = {
  queued: 'wartet',
  running: 'wird verarbeitet',
  succeeded: 'fertig',
  failed: 'gescheitert',
  rejected: 'abgelehnt',
};

const ZAHLEN = [
  ['rows', 'Zeilen gelesen'],
  ['created', 'neu'],
  ['updated', 'geändert'],
  ['unchanged', 'unverändert'],
  ['removed', 'entfernt'],
  ['invalid', 'fehlerhaft'],
];

// Melderegister only: Auskunftssperren lifted (by an explicit „nein“) and new.
const SPERREN = [
  ['auskunftssperre_aufgehoben', 'Auskunftssperren aufgehoben'],
  ['auskunftssperre_neu', 'Auskunftssperren neu'],
];

// What the records a list removes are called.
const ENTFERNT_WER = { melderegister: 'Kinder', schueler: 'Schülerinnen und Schüler' };

const $ = (id) => document.getElementById(id);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const state = { file: null, kind: '', onError: 'reject', schulnummer: '', last: null, recognised: null, next: null };

function setBusy(busy) {
  for (const id of ['pruefen', 'importieren', 'zuordnung-speichern', 'entfernen-bestaetigen', 'fehlerfrei']) $(id).disabled = busy;
}

// upload sends the chosen file and follows the import to its end. confirm,
// if given, is the number of removals the user confirmed – exactly the
// number the gateway named for this file.
async function upload(dryRun, confirm) {
  if (!state.file) throw new Error('Bitte zuerst eine Datei wählen.');
  const q = new URLSearchParams({ dry_run: String(dryRun), on_error: state.onError });
  if (state.kind) q.set('kind', state.kind);
  if (state.schulnummer) q.set('schulnummer', state.schulnummer);
  if (confirm !== undefined) q.set('confirm_removals', String(confirm));
  const fd = new FormData();
  fd.append('file', state.file, state.file.name);
  setBusy(true);
  try {
    status(dryRun ? 'Die Liste wird hochgeladen und geprüft …' : 'Die Liste wird importiert …');
    let imp = await api('/v1/imports?' + q, { method: 'POST', body: fd });
    state.kind = imp.kind;
    $('art').value = imp.kind;
    if (imp.kind_detected) status(`Erkannt als ${ARTEN[imp.kind]}. Die Liste wird verarbeitet …`);
    if (imp.recognised) showRecognised(imp.kind, imp.recognised);
    imp = await follow(imp);
    await loadHistory(); // before the result is announced, so both agree
    setBusy(false); // the buttons work once the result shows
    await showResult(imp);
    return imp;
  } finally {
    setBusy(false);
  }
}

// follow polls the import while it is queued or running, with progress.
async function follow(imp) {
  const box = $('fortschritt-box');
  box.hidden = false;
  while (imp.status === 'queued' || imp.status === 'running') {
    $('fortschritt-text').textContent = imp.status === 'queued'
      ? 'Die Liste wartet auf die Verarbeitung …'
      : `Die Liste wird verarbeitet: ${zahl(imp.progress.rows_read)} Zeilen gelesen …`;
    await sleep(300);
    imp = await api('/v1/imports/' + imp.id);
  }
  box.hidden = true;
  return imp;
}

function showRecognised(kind, r) {
  state.recognised = { kind, ...r };
  $('erkannt').hidden = false;
  $('erkannt-text').textContent = r.header_row
    ? `${ARTEN[kind]}: Tabelle „${r.sheet}“, Kopfzeile in Zeile ${r.header_row}.`
    : `${ARTEN[kind]}: In Tabelle „${r.sheet}“ wurde keine Kopfzeile gefunden.`;
  $('erkannt-problem').hidden = !r.problem;
  $('erkannt-problem').textContent = r.problem;
  const rows = r.columns.map((c, i) => {
    const id = 'feld-' + i;
    const select = el('select', { id, 'data-header': c.header, 'data-field': c.field },
      el('option', { value: '' }, '– nicht lesen –'),
      r.fields.map((f) => el('option', { value: f.field, selected: f.field === c.field }, f.label + (f.required ? ' (Pflicht)' : ''))));
    return el('tr', {},
      el('td', {}, c.column),
      el('td', {}, c.header, c.fuzzy ? el('span', { class: 'marke-klein' }, ' bitte prüfen') : null),
      el('td', {}, el('label', { for: id, class: 'unsichtbar' }, `Feld für Spalte ${c.column} („${c.header}“)`), select));
  });
  $('spalten').tBodies[0].replaceChildren(...rows);
}

async function showResult(imp) {
  state.last = imp;
  $('ergebnis').hidden = false;
  const art = imp.dry_run ? 'Probelauf' : 'Import';
  // A list that would remove more than allowed is never shown as fine.
  const bestaetigen = imp.removals_to_confirm > 0;
  const gut = imp.status === 'succeeded' && !bestaetigen;
  $('ergebnis-text').textContent = imp.detail.startsWith(art) ? imp.detail : `${art} ${STAND[imp.status]}. ${imp.detail}`;
  $('ergebnis-text').className = gut ? 'ok' : (bestaetigen && imp.status === 'succeeded' ? 'warnung' : 'fehler');
  const zahlen = imp.kind === 'melderegister' ? [...ZAHLEN, ...SPERREN] : ZAHLEN;
  $('zahlen').replaceChildren(...zahlen.map(([k, label]) => el('div', {},
    el('dt', {}, label), el('dd', { 'data-zahl': k }, zahl(imp.counts[k] || 0)))));
  const schulen = imp.schools || [];
  $('schulen-text').hidden = schulen.length === 0;
  $('schulen-text').textContent = `Die Liste ändert die Schule${schulen.length > 1 ? 'n' : ''} ${schulen.join(', ')}.`;
  const fehlt = imp.not_delivered || [];
  $('nicht-geliefert').hidden = fehlt.length === 0;
  $('nicht-geliefert').textContent = `Nicht geliefert – bleiben unverändert: ${fehlt.map((f) => f.label).join(', ')}.`;
  // Confirming helps only when nothing else stops the list.
  const nurBestaetigung = bestaetigen && imp.status !== 'failed' && !(imp.on_error === 'reject' && imp.counts.invalid > 0);
  $('entfernen-box').hidden = !nurBestaetigung;
  if (nurBestaetigung) {
    const n = imp.removals_to_confirm;
    const wer = ENTFERNT_WER[imp.kind] || 'gespeicherte Einträge';
    $('entfernen-text').textContent = `Mit dieser Liste würden ${zahl(n)} ${wer} ${imp.removal_meaning}, weil sie nicht mehr in der Liste stehen. `
      + 'Das ist mehr, als ohne Bestätigung übernommen wird. Bitte prüfen Sie, ob die Liste vollständig ist (alle Ortsteile, alle Schulen). '
      + 'Nur wenn das so stimmt: genau diese Zahl bestätigen.';
    $('entfernen-bestaetigen').textContent = `${zahl(n)} ${wer} ${imp.removal_meaning} – bestätigen und importieren`;
    $('entfernen-bestaetigen').dataset.anzahl = String(n);
  }
  // Refused only for its faulty rows ("nichts importieren, solange Fehler
  // da sind"): the valid rows can be taken, the faulty ones left as stored.
  const c = imp.counts;
  const fehlerfrei = imp.on_error === 'reject' && imp.status === 'rejected' && c.invalid > 0 && c.valid > 0;
  $('fehlerfrei-box').hidden = !fehlerfrei;
  if (fehlerfrei) {
    $('fehlerfrei-text').textContent = `Weiter ohne die Fehler: ${zahl(c.valid)} fehlerfreie Zeilen werden übernommen, `
      + `${zahl(c.invalid)} fehlerhafte bleiben unverändert – was zu ihnen gespeichert ist, wird weder geändert noch entfernt. `
      + (imp.dry_run ? 'Zuerst zeigt ein Probelauf, was sich ändern würde; importiert wird erst mit „Jetzt importieren“.'
        : 'Der Import startet sofort mit derselben Datei.');
    $('fehlerfrei').dataset.probelauf = String(imp.dry_run);
  }
  const hasErrors = c.invalid > 0 || imp.status === 'failed' || imp.status === 'rejected';
  $('fehler-xlsx').hidden = !(c.invalid > 0 || imp.status === 'failed' && c.rows);
  $('importieren').hidden = !(imp.dry_run && gut);
  const ausgelassen = imp.on_error === 'skip' && c.invalid > 0;
  if (imp.dry_run) {
    if (gut && ausgelassen) status(`Probelauf fertig: ${zahl(c.valid)} fehlerfreie Zeilen können importiert werden; ${zahl(c.invalid)} fehlerhafte werden ausgelassen und bleiben unverändert.`, 'ok');
    else if (gut) status('Probelauf fertig: Die Liste kann importiert werden.', 'ok');
    else if (nurBestaetigung) status(`Probelauf fertig: Achtung – die Liste würde ${zahl(imp.removals_to_confirm)} Datensätze entfernen. Bitte prüfen und nur dann bestätigen.`, 'warnung');
    else if (fehlerfrei) status('Probelauf fertig: Die Liste hat Fehler. Bitte korrigieren und erneut hochladen – oder nur die fehlerfreien Zeilen importieren.', 'fehler');
    else status('Probelauf fertig: Die Liste hat Fehler. Bitte korrigieren und erneut hochladen.', 'fehler');
  } else if (gut) {
    status(ausgelassen ? `Import fertig: ${zahl(c.invalid)} fehlerhafte Zeilen wurden ausgelassen und bleiben unverändert.` : 'Import fertig.', 'ok');
  } else {
    status(nurBestaetigung ? 'Der Import wurde nicht ausgeführt: Die Zahl der Entfernungen muss bestätigt werden.' : 'Der Import wurde nicht ausgeführt.', 'fehler');
  }
  if (hasErrors) await loadErrors(imp.id);
  else $('fehler-box').hidden = true;
  // The next step is a Tab or two from the result, not at the page's top.
  $('h-ergebnis').focus();
}

const MAX_SHOWN = 500;

async function loadErrors(id) {
  const { items } = await api(`/v1/imports/${id}/errors`);
  const labels = Object.fromEntries(((state.recognised && state.recognised.fields) || []).map((f) => [f.field, f.label]));
  const rows = items.slice(0, MAX_SHOWN).map((e) => el('tr', {},
    el('th', { scope: 'row' }, e.cell || (e.row ? `Zeile ${e.row}` : 'ganze Datei')),
    el('td', {}, e.sheet),
    el('td', {}, labels[e.field] || e.field),
    el('td', {}, e.message)));
  if (items.length > MAX_SHOWN) {
    rows.push(el('tr', {}, el('td', { colspan: 4 }, `… und ${zahl(items.length - MAX_SHOWN)} weitere – alle stehen in der Fehlerliste (Excel).`)));
  }
  $('fehler').tBodies[0].replaceChildren(...rows);
  $('fehler').caption.textContent = `Fehler in der Datei (${zahl(items.length)})`;
  $('fehler-box').hidden = items.length === 0;
}

async function saveMapping(ev) {
  ev.preventDefault();
  const mappings = {};
  for (const s of $('spalten').querySelectorAll('select')) {
    if (s.value !== s.dataset.field) mappings[s.dataset.header] = s.value;
  }
  if (Object.keys(mappings).length > 0) {
    await putJSON('/v1/header-mappings/' + state.recognised.kind, { mappings });
    status('Zuordnung gespeichert. Die Liste wird erneut geprüft …');
  }
  await upload(true);
}

function ergebnisKurz(c) {
  return `${zahl(c.created)} neu, ${zahl(c.updated)} geändert, ${zahl(c.unchanged)} unverändert, ${zahl(c.removed)} entfernt, ${zahl(c.invalid)} fehlerhaft`;
}

function historyRow(imp) {
  const when = datumZeit(imp.created_at);
  let action = '';
  if (!imp.dry_run && imp.status === 'succeeded' && !imp.undone_at) {
    const btn = el('button', { type: 'button', class: 'zweit', 'aria-label': `Import ${imp.filename} vom ${when} rückgängig machen` }, 'Rückgängig machen');
    btn.addEventListener('click', () => undo(imp, btn).catch(showError));
    action = btn;
  }
  let stand = STAND[imp.status];
  if (imp.undone_at) stand += `, rückgängig gemacht am ${datumZeit(imp.undone_at)}`;
  return el('tr', { 'data-id': imp.id },
    el('td', {}, when), el('td', {}, imp.filename), el('td', {}, ARTEN[imp.kind]),
    el('td', {}, imp.dry_run ? 'Probelauf' : 'Import'), el('td', {}, stand),
    el('td', {}, ergebnisKurz(imp.counts)), el('td', {}, action));
}

async function undo(imp, btn) {
  if (!btn.dataset.sicher) {
    btn.dataset.sicher = '1';
    btn.textContent = 'Wirklich rückgängig machen?';
    return;
  }
  btn.disabled = true;
  await api('/v1/imports/' + imp.id, { method: 'DELETE' });
  status(`Der Import ${imp.filename} vom ${datumZeit(imp.created_at)} wurde rückgängig gemacht.`, 'ok');
  await loadHistory();
}

async function loadHistory(more = false) {
  const q = new URLSearchParams({ limit: '20' });
  if (more && state.next) q.set('after', state.next);
  const page = await api('/v1/imports?' + q);
  const rows = page.items.map(historyRow);
  const body = $('verlauf').tBodies[0];
  if (more) body.append(...rows);
  else body.replaceChildren(...rows);
  if (!more && rows.length === 0) body.append(el('tr', {}, el('td', { colspan: 7 }, 'Noch keine Importe.')));
  state.next = page.next;
  $('mehr').hidden = !page.next;
}

function showError(e) {
  status(e instanceof ApiError ? e.text : e.message, 'fehler');
}

page('imports.html', async () => {
  $('upload').addEventListener('submit', (ev) => {
    ev.preventDefault();
    state.file = $('datei').files[0] || null;
    state.kind = $('art').value;
    state.onError = $('fehlerzeilen').value;
    state.schulnummer = $('schulnummer').value.trim();
    $('erkannt').hidden = true;
    $('ergebnis').hidden = true;
    upload(true).catch(showError);
  });
  $('zuordnung').addEventListener('submit', (ev) => saveMapping(ev).catch(showError));
  $('importieren').addEventListener('click', () => upload(false).catch(showError));
  // The same file again, skipping the faulty rows: a dry run first if the
  // refused one was a dry run.
  $('fehlerfrei').addEventListener('click', () => {
    state.onError = 'skip';
    upload($('fehlerfrei').dataset.probelauf === 'true').catch(showError);
  });
  // Confirms exactly the number the gateway named for this file.
  $('entfernen-bestaetigen').addEventListener('click', () =>
    upload(false, Number($('entfernen-bestaetigen').dataset.anzahl)).catch(showError));
  $('fehler-xlsx').addEventListener('click', () => download(`/v1/imports/${state.last.id}/errors.xlsx`, 'Fehler.xlsx')
    .then((name) => status(`Die Fehlerliste „${name}“ wurde heruntergeladen. Sie enthält nur die fehlerhaften Zeilen, an ihren Zeilennummern: bitte die eigene Datei korrigieren und erneut hochladen.`, 'ok'), showError));
  $('mehr').addEventListener('click', () => loadHistory(true).catch(showError));
  await loadHistory();
});
