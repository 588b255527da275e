// Schulpflicht page: start a reconciliation for a Stichtag, review the
// uncertain matches (child and pupil side by side, agreeing fields
// highlighted; confirm or reject), and the open cases.
import { api, apiETag, download, datum, datumZeit, zahl, el, status, page, ApiError } from './common.js';

const $ = (id) => document.getElementById(id);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const QUELLE = {
  schueler: 'Schülerliste der Stadt',
  bestaetigung: 'Schulbesuchsbestätigung (Schule außerhalb)',
  aufnahme: 'Aufnahme, vom BMS gemeldet',
};
const STAND = { offen: 'offen', in_klaerung: 'in Klärung', erledigt: 'erledigt' };
const ENTSCHEIDUNG = { auto: 'Schule gefunden', review: 'bitte prüfen', none: 'keine Schule gefunden' };
const MERKMAL = { geschlecht: 'Geschlecht', adresse: 'Anschrift' };

const GRUND = {
  weggezogen: 'weggezogen', schule_ausserhalb: 'Schule außerhalb', zurueckgestellt: 'zurückgestellt', befreit: 'befreit',
  ordnungswidrigkeit_eingeleitet: 'Ordnungswidrigkeit eingeleitet',
};

// fall is the case being edited and the ETag of the state it was read in.
const state = { abgleich: null, nextVorschlag: null, nextFall: null, fall: null, etag: null };

function showError(e) {
  status(e instanceof ApiError ? e.text : e.message, 'fehler');
}

async function starten(stichtag) {
  $('starten').disabled = true;
  try {
    status('Der Abgleich wird gestartet …');
    let a = await api('/v1/schulpflicht/abgleiche', {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ stichtag }),
    });
    history.replaceState(null, '', '?abgleich=' + encodeURIComponent(a.id));
    a = await folgen(a);
    await zeigen(a);
  } finally {
    $('starten').disabled = false;
  }
}

async function folgen(a) {
  $('abgleich-box').hidden = false;
  $('abgleich-fortschritt').hidden = false;
  while (a.status === 'queued' || a.status === 'running') {
    $('abgleich-text').textContent = `Abgleich zum Stichtag ${datum(a.stichtag)} läuft …`;
    await sleep(300);
    a = await api('/v1/schulpflicht/abgleiche/' + a.id);
  }
  $('abgleich-fortschritt').hidden = true;
  return a;
}

async function zeigen(a) {
  state.abgleich = a;
  $('abgleich-box').hidden = false;
  const ok = a.status === 'succeeded';
  $('abgleich-text').textContent = ok
    ? `Abgleich zum Stichtag ${datum(a.stichtag)} vom ${datumZeit(a.finished_at)}.`
    : `Der Abgleich zum Stichtag ${datum(a.stichtag)} ist gescheitert: ${a.detail}`;
  $('abgleich-text').className = ok ? 'ok' : 'fehler';
  $('abgleich-zahlen').replaceChildren(...[
    ['residents', 'Kinder im Schulpflichtalter'], ['auto', 'Schule gefunden'], ['review', 'bitte prüfen'], ['none', 'keine Schule (Fälle)'],
  ].map(([k, label]) => el('div', {}, el('dt', {}, label), el('dd', { 'data-zahl': k }, zahl(a.counts[k])))));
  if (!ok) return;
  const n = (k, eins, mehr) => `${zahl(a.counts[k])} ${a.counts[k] === 1 ? eins : mehr}`;
  status(`Abgleich fertig: ${n('review', 'Vorschlag', 'Vorschläge')} zu prüfen, ${n('none', 'Kind', 'Kinder')} ohne Schule.`, 'ok');
  $('vorschlaege').replaceChildren();
  state.nextVorschlag = null;
  await vorschlaegeLaden();
  await faelleLaden();
}

async function vorschlaegeLaden() {
  const q = new URLSearchParams({ entscheidung: 'review', limit: '20' });
  if (state.nextVorschlag) q.set('after', state.nextVorschlag);
  const seite = await api(`/v1/schulpflicht/abgleiche/${state.abgleich.id}/zuordnungen?` + q);
  $('pruefen').hidden = false;
  $('vorschlaege').append(...seite.items.map(vorschlag));
  if (!$('vorschlaege').children.length) $('vorschlaege').append(el('p', {}, 'Keine Vorschläge zu prüfen.'));
  state.nextVorschlag = seite.next;
  $('mehr-vorschlaege').hidden = !seite.next;
}

// vorschlag is one proposed match: both records side by side.
function vorschlag(z, i) {
  const s = z.schueler || {};
  const gleich = new Set(z.uebereinstimmend);
  const id = 'vorschlag-' + z.kind_id.replace(/[^a-zA-Z0-9_-]/g, '_');
  const zeile = (label, links, rechts, merkmal) => {
    // The reconciliation also counts near matches (Mueller/Müller, day and
    // month swapped); those are highlighted too but called similar.
    const same = merkmal && gleich.has(merkmal);
    const exact = (links || '').trim().toLowerCase() === (rechts || '').trim().toLowerCase();
    return el('tr', { class: same ? 'gleich' : null },
      el('th', { scope: 'row' }, label),
      el('td', {}, links || '–'),
      el('td', {}, rechts || '–'),
      el('td', {}, same ? (exact ? 'stimmt überein' : 'ähnlich') : ''));
  };
  const sonst = [...gleich].filter((m) => MERKMAL[m]).map((m) => MERKMAL[m]);
  const urteil = (bestaetigt) => async (ev) => {
    const card = ev.target.closest('article');
    card.querySelectorAll('button').forEach((b) => { b.disabled = true; });
    try {
      await api('/v1/schulpflicht/urteile', {
        method: 'POST', headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ kind_id: z.kind_id, schueler_id: s.id, bestaetigt }),
      });
      const msg = bestaetigt ? 'Bestätigt: dasselbe Kind.' : 'Verworfen: nicht dasselbe Kind.';
      card.querySelector('.urteil').textContent = msg + ' Gilt ab dem nächsten Abgleich.';
      status(`${z.familienname}, ${z.vornamen}: ${msg}`, 'ok');
    } catch (e) {
      card.querySelectorAll('button').forEach((b) => { b.disabled = false; });
      showError(e);
    }
  };
  return el('article', { class: 'vorschlag', 'aria-labelledby': id },
    el('h3', { id }, `${z.familienname}, ${z.vornamen}`, el('span', { class: 'hinweis' }, ` geboren ${datum(z.geburtsdatum)}`)),
    el('table', {},
      el('caption', { class: 'unsichtbar' }, `Melderegister und ${QUELLE[s.quelle] || 'Schülerdaten'} im Vergleich`),
      el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, 'Feld'), el('th', { scope: 'col' }, 'Melderegister'),
        el('th', { scope: 'col' }, QUELLE[s.quelle] || 'gefunden'), el('th', { scope: 'col' }, 'Vergleich'))),
      el('tbody', {},
        zeile('Familienname', z.familienname, s.familienname, 'familienname'),
        zeile('Vornamen', z.vornamen, s.vornamen, 'vorname'),
        zeile('Geburtsdatum', datum(z.geburtsdatum), datum(s.geburtsdatum), 'geburtsdatum'),
        zeile('Ordnungsmerkmal / Schülernummer', z.ordnungsmerkmal, s.schuelernummer, 'schuelernummer'),
        zeile('Schule', '', [s.schulname, s.schulnummer].filter(Boolean).join(', ')))),
    el('p', { class: 'hinweis' }, z.begruendung.replace(/([^.])$/, '$1.') + (sonst.length ? ` Außerdem stimmen überein: ${sonst.join(', ')}.` : '')),
    el('div', { class: 'knoepfe' },
      el('button', { type: 'button', onclick: urteil(true) }, 'Dasselbe Kind – bestätigen'),
      el('button', { type: 'button', class: 'zweit', onclick: urteil(false) }, 'Nicht dasselbe Kind – verwerfen')),
    el('p', { class: 'urteil', role: 'status' }));
}

async function faelleLaden(mehr = false) {
  const q = new URLSearchParams({ status: 'offen', limit: '50' });
  if (mehr && state.nextFall) q.set('after', state.nextFall);
  const seite = await api('/v1/schulpflicht/faelle?' + q);
  const rows = seite.items.map((f) => el('tr', {},
    el('th', { scope: 'row' }, `${f.kind.familienname}, ${f.kind.vornamen}`),
    el('td', {}, datum(f.kind.geburtsdatum)),
    el('td', {}, f.kind.weggezogen ? 'weggezogen' : `${f.kind.strasse} ${f.kind.hausnummer}, ${f.kind.plz} ${f.kind.ort}`),
    el('td', {}, STAND[f.status] || f.status),
    el('td', {}, datum(f.created_at)),
    el('td', {}, ENTSCHEIDUNG[f.letzte_entscheidung] || f.letzte_entscheidung),
    el('td', {}, el('button', { type: 'button', class: 'zweit', 'data-fall': f.id,
      'aria-label': `Fall ${f.kind.familienname}, ${f.kind.vornamen} bearbeiten`,
      onclick: () => fallOeffnen(f.id).catch(showError) }, 'Bearbeiten'))));
  const body = $('faelle').tBodies[0];
  if (mehr) body.append(...rows);
  else body.replaceChildren(...rows);
  if (!mehr && rows.length === 0) body.append(el('tr', {}, el('td', { colspan: 7 }, 'Keine offenen Fälle.')));
  state.nextFall = seite.next;
  $('mehr-faelle').hidden = !seite.next;
}

// fallZeigen puts a case's state into the form and remembers its ETag:
// saving sends it as If-Match, so a change someone else made meanwhile is
// not overwritten unseen.
function fallZeigen(f, etag) {
  state.fall = f;
  state.etag = etag;
  $('h-fall').textContent = `Fall ${f.kind.familienname}, ${f.kind.vornamen} bearbeiten`;
  $('fall-status').value = f.status;
  $('fall-grund').value = f.grund || '';
  $('fall-bemerkung').value = f.bemerkung || '';
  $('fall-box').hidden = false;
}

async function fallOeffnen(id) {
  const { data, etag } = await apiETag('/v1/schulpflicht/faelle/' + encodeURIComponent(id));
  $('fall-konflikt').hidden = true;
  fallZeigen(data, etag);
  $('fall-status').focus();
}

const beschreibung = (f) => `Stand „${STAND[f.status] || f.status}“` + (f.grund ? `, Grund „${GRUND[f.grund] || f.grund}“` : '')
  + `, Bemerkung „${f.bemerkung || '–'}“`;

async function fallSpeichern() {
  const eingabe = {
    status: $('fall-status').value,
    grund: $('fall-status').value === 'erledigt' ? ($('fall-grund').value || null) : null,
    bemerkung: $('fall-bemerkung').value,
  };
  $('fall-speichern').disabled = true;
  try {
    const { data, etag } = await apiETag('/v1/schulpflicht/faelle/' + encodeURIComponent(state.fall.id), {
      method: 'PATCH', headers: { 'Content-Type': 'application/merge-patch+json', 'If-Match': state.etag }, body: JSON.stringify(eingabe),
    });
    $('fall-konflikt').hidden = true;
    fallZeigen(data, etag);
    status(`Fall ${data.kind.familienname}, ${data.kind.vornamen} gespeichert: ${beschreibung(data)}.`, 'ok');
    await faelleLaden();
  } catch (e) {
    if (!(e instanceof ApiError && e.status === 412 && e.problem.aktuell)) throw e;
    // Someone else changed the case since it was opened: show what is
    // stored now; the person's input stays in the form, and saving again
    // (now against the current state) applies it deliberately.
    const aktuell = e.problem.aktuell;
    state.fall = aktuell;
    state.etag = e.etag;
    $('fall-konflikt').replaceChildren(
      el('p', {}, 'Jemand anderes hat diesen Fall inzwischen geändert. Ihre Änderung wurde nicht gespeichert.'),
      el('p', {}, `Aktueller Stand: ${beschreibung(aktuell)}.`),
      el('p', {}, 'Bitte prüfen Sie den aktuellen Stand. Ihre Eingabe steht noch im Formular: Speichern übernimmt sie jetzt, '
        + 'Abbrechen verwirft sie.'));
    $('fall-konflikt').hidden = false;
    status('Der Fall wurde inzwischen von jemand anderem geändert; Ihre Änderung wurde nicht gespeichert.', 'fehler');
    await faelleLaden();
  } finally {
    $('fall-speichern').disabled = false;
  }
}

page('schulpflicht.html', async () => {
  $('fall-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    fallSpeichern().catch(showError);
  });
  $('fall-abbrechen').addEventListener('click', () => {
    $('fall-box').hidden = true;
    state.fall = null;
  });
  $('stichtag').value = datum(new Date().toISOString());
  $('start').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const m = /^(\d{1,2})\.(\d{1,2})\.(\d{4})$/.exec($('stichtag').value.trim());
    if (!m) {
      status('Bitte den Stichtag als TT.MM.JJJJ angeben, z. B. 15.09.2026.', 'fehler');
      return;
    }
    starten(`${m[3]}-${m[2].padStart(2, '0')}-${m[1].padStart(2, '0')}`).catch(showError);
  });
  $('mehr-vorschlaege').addEventListener('click', () => vorschlaegeLaden().catch(showError));
  $('mehr-faelle').addEventListener('click', () => faelleLaden(true).catch(showError));
  $('faelle-xlsx').addEventListener('click', () => download('/v1/schulpflicht/faelle.xlsx', 'Schulpflicht_Faelle.xlsx')
    .then((n) => status(`„${n}“ wurde heruntergeladen.`, 'ok'), showError));
  const id = new URLSearchParams(location.search).get('abgleich');
  if (id) {
    const a = await api('/v1/schulpflicht/abgleiche/' + encodeURIComponent(id));
    await zeigen(await folgen(a));
  } else {
    await faelleLaden();
  }
});
