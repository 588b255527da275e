// Schulpflicht page: start a reconciliation for a Stichtag, review the
// uncertain matches (child and pupil side by side, agreeing fields
// highlighted; confirm or reject), and the cases: filter, open one with
// its history, change it, close it in one step when a later run found the
// child at a school. Before a run it says which pupil lists are missing.
import { api, apiETag, download, datum, datumZeit, zahl, el, status, page, ApiError } from './common.js';

const $ = (id) => document.getElementById(id);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const QUELLE = {
  schueler: 'Schülerliste der Stadt',
  bestaetigung: 'Schulbesuchsbestätigung (Schule außerhalb)',
  aufnahme: 'Aufnahme, vom BMS gemeldet',
  schulbescheinigung: 'Schulbescheinigung (XSchule)',
};
// Sources that name a school outside the city.
const AUSSERHALB = new Set(['bestaetigung', 'schulbescheinigung']);
const STAND = { offen: 'offen', in_klaerung: 'in Klärung', erledigt: 'erledigt' };
const ENTSCHEIDUNG = { auto: 'Schule gefunden', review: 'bitte prüfen', none: 'keine Schule gefunden' };
const MERKMAL = { geschlecht: 'Geschlecht', adresse: 'Anschrift' };

const GRUND = {
  schule_gefunden: 'Schule gefunden', weggezogen: 'weggezogen', schule_ausserhalb: 'Schule außerhalb', zurueckgestellt: 'zurückgestellt', befreit: 'befreit',
  ordnungswidrigkeit_eingeleitet: 'Ordnungswidrigkeit eingeleitet',
};

// fall is the case being edited and the ETag of the state it was read in.
// faelle holds every case (the filters work on it), gezeigt how many of
// the filtered ones are on screen.
const state = { abgleich: null, nextVorschlag: null, faelle: [], gezeigt: 0, fall: null, etag: null, voraussetzungen: null, schliessGrund: null };
const SEITE = 50;

function showError(e) {
  status(e instanceof ApiError ? e.text : e.message, 'fehler');
}

async function starten(stichtag) {
  $('starten').disabled = true;
  try {
    status('Der Abgleich wird gestartet …');
    const force = !$('trotzdem-feld').hidden && $('trotzdem').checked;
    let a;
    try {
      a = await api('/v1/schulpflicht/abgleiche', {
        method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(force ? { stichtag, force } : { stichtag }),
      });
    } catch (e) {
      // Refused for want of any pupil list: say so and offer to start anyway.
      if (e instanceof ApiError && (e.problem.errors || []).some((f) => f.code === 'schuelerlisten_fehlen')) {
        $('trotzdem-feld').hidden = false;
        status(e.message + ' Wer trotzdem abgleichen will, kreuzt „trotzdem starten“ an.', 'fehler');
        $('trotzdem').focus();
        return;
      }
      throw e;
    }
    $('trotzdem').checked = false;
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

// voraussetzungenLaden shows, before a run, which schools' pupil lists
// are missing or old; without any list the run needs "trotzdem starten".
async function voraussetzungenLaden() {
  const v = await api('/v1/schulpflicht/voraussetzungen');
  state.voraussetzungen = v;
  const schlecht = v.schulen.filter((s) => s.fehlt || s.veraltet);
  const text = $('listen-text');
  if (!v.hinweis) {
    text.textContent = `Die Schülerlisten aller ${zahl(v.schulen.length)} Schulen sind höchstens ${v.max_alter_tage} Tage alt.`;
    text.className = 'ok';
  } else {
    text.textContent = v.hinweis;
    text.className = v.keine_liste ? 'fehler' : 'warnbox';
  }
  $('listen-max').textContent = v.max_alter_tage;
  $('listen-box').hidden = schlecht.length === 0;
  $('listen-tabelle').tBodies[0].replaceChildren(...schlecht.map((s) => el('tr', { class: 'warnung' },
    el('th', { scope: 'row' }, s.schulname),
    el('td', {}, s.schulnummer),
    el('td', {}, s.fehlt ? 'keine' : datum(s.stand)),
    el('td', {}, s.fehlt ? '–' : `${zahl(s.alter_tage)} Tage`),
    el('td', {}, s.fehlt ? 'fehlt' : `älter als ${v.max_alter_tage} Tage`))));
  $('trotzdem-feld').hidden = !v.keine_liste;
}

// faelleLaden reads every case once (a city has hundreds, not millions;
// the filters then answer at once) and shows the filtered ones.
async function faelleLaden() {
  const alle = [];
  let after = '';
  for (;;) {
    const q = new URLSearchParams({ limit: '1000' });
    if (after) q.set('after', after);
    const seite = await api('/v1/schulpflicht/faelle?' + q);
    alle.push(...seite.items);
    if (!seite.next) break;
    after = seite.next;
  }
  state.faelle = alle;
  faelleZeigen();
}

// offenGefunden: the case is still open although the latest run found
// the child at a school; the page offers to close it.
const offenGefunden = (f) => f.status !== 'erledigt' && f.letzte_entscheidung === 'auto';

function gefiltert() {
  const st = $('f-status').value;
  const grund = $('f-grund').value;
  const schule = $('f-schule').value;
  const text = $('f-text').value.trim().toLowerCase();
  return state.faelle.filter((f) => {
    if (st === 'aktiv' ? f.status === 'erledigt' : st && f.status !== st) return false;
    if (grund && (grund === '-' ? f.grund : f.grund !== grund)) return false;
    if (schule && f.letzte_entscheidung !== schule) return false;
    if (text) {
      const k = f.kind;
      const heu = `${k.familienname} ${k.vornamen} ${k.vornamen} ${k.familienname} ${k.ordnungsmerkmal || ''}`.toLowerCase();
      if (!text.split(/\s+/).every((w) => heu.includes(w))) return false;
    }
    return true;
  });
}

function fallZeile(f) {
  const name = `${f.kind.familienname}, ${f.kind.vornamen}`;
  const gefunden = offenGefunden(f);
  return el('tr', { class: gefunden ? 'gleich' : null },
    el('th', { scope: 'row' }, name),
    el('td', {}, datum(f.kind.geburtsdatum)),
    el('td', {}, f.kind.weggezogen ? 'weggezogen' : (f.kind.strasse ? `${f.kind.strasse} ${f.kind.hausnummer}, ${f.kind.plz} ${f.kind.ort}` : '–')),
    el('td', {}, (STAND[f.status] || f.status) + (f.grund ? ` (${GRUND[f.grund] || f.grund})` : '')),
    el('td', {}, datum(f.created_at)),
    el('td', {}, (ENTSCHEIDUNG[f.letzte_entscheidung] || f.letzte_entscheidung) + (gefunden ? ' – bitte prüfen und schließen' : '')),
    el('td', {}, el('button', { type: 'button', class: 'zweit', 'data-fall': f.id,
      'aria-label': `Fall ${name} ${gefunden ? 'prüfen und schließen' : 'öffnen'}`,
      onclick: () => fallOeffnen(f.id).catch(showError) }, gefunden ? 'Prüfen und schließen' : 'Öffnen')));
}

function faelleZeigen(mehr = false) {
  const liste = gefiltert();
  const body = $('faelle').tBodies[0];
  const von = mehr ? state.gezeigt : 0;
  state.gezeigt = Math.min(liste.length, von + SEITE);
  const rows = liste.slice(von, state.gezeigt).map(fallZeile);
  if (mehr) body.append(...rows);
  else body.replaceChildren(...rows);
  if (liste.length === 0) body.append(el('tr', {}, el('td', { colspan: 7 }, state.faelle.length ? 'Kein Fall passt zu den Filtern.' : 'Keine Fälle.')));
  const gefunden = liste.filter(offenGefunden).length;
  $('faelle-anzahl').textContent = `${zahl(liste.length)} von ${zahl(state.faelle.length)} Fällen`
    + (gefunden ? `; bei ${zahl(gefunden)} hat der letzte Abgleich eine Schule gefunden.` : '.');
  $('mehr-faelle').hidden = state.gezeigt >= liste.length;
}

// fallZeigen puts a case's state into the form and remembers its ETag:
// saving sends it as If-Match, so a change someone else made meanwhile is
// not overwritten unseen.
function fallZeigen(f, etag) {
  state.fall = f;
  state.etag = etag;
  const k = f.kind;
  $('h-fall').textContent = `Fall ${k.familienname}, ${k.vornamen}`;
  const angaben = [
    ['Geburtsdatum', datum(k.geburtsdatum)],
    ['Ordnungsmerkmal', k.ordnungsmerkmal || '–'],
    ['Anschrift', k.weggezogen ? 'weggezogen (nicht mehr im Melderegister)' : (k.strasse ? `${k.strasse} ${k.hausnummer}, ${k.plz} ${k.ort}` : '–')],
    ['Stand', (STAND[f.status] || f.status) + (f.grund ? `, Grund: ${GRUND[f.grund] || f.grund}` : '')],
    ['angelegt', datumZeit(f.created_at)],
    ['letzter Abgleich', ENTSCHEIDUNG[f.letzte_entscheidung] || f.letzte_entscheidung],
  ];
  if (f.anlass) angaben.push(['Anlass', f.anlass]);
  $('fall-angaben').replaceChildren(...angaben.flatMap(([dt, dd]) => [el('dt', {}, dt), el('dd', {}, dd)]));
  $('fall-status').value = f.status;
  $('fall-grund').value = f.grund || '';
  $('fall-bemerkung').value = f.bemerkung || '';
  $('fall-historie').tBodies[0].replaceChildren(...(f.historie || []).map((h) => el('tr', {},
    el('td', {}, datumZeit(h.wann)),
    el('td', {}, h.wer),
    el('td', {}, (h.von_status ? `${STAND[h.von_status] || h.von_status} → ` : 'angelegt: ') + (STAND[h.zu_status] || h.zu_status)
      + (h.zu_grund && h.zu_grund !== h.von_grund ? `, Grund: ${GRUND[h.zu_grund] || h.zu_grund}` : '')),
    el('td', {}, h.bemerkung || ''))));
  $('fall-box').hidden = false;
}

// befundZeigen shows what the latest run found for the child and, while
// the case is not closed and the run found a school, offers to close it.
async function befundZeigen(f) {
  $('fall-gefunden').hidden = true;
  if (!offenGefunden(f) || !f.letzter_abgleich_id) return;
  const id = encodeURIComponent(f.letzter_abgleich_id);
  // The run's lines are in kind_id order: the line after kind_id − 1 is the child's.
  const [a, seite] = await Promise.all([api('/v1/schulpflicht/abgleiche/' + id),
    api(`/v1/schulpflicht/abgleiche/${id}/zuordnungen?limit=1&after=${Number(f.kind_id) > 1 ? Number(f.kind_id) - 1 : ''}`)]);
  if (state.fall !== f) return;
  const z = seite.items.find((x) => x.kind_id === f.kind_id);
  const s = z && z.schueler;
  const wo = s ? [s.schulname, s.schulnummer && `Schulnummer ${s.schulnummer}`, s.schuelernummer && `Schülernummer ${s.schuelernummer}`]
    .filter(Boolean).join(', ') : 'einer Schule';
  // A school outside the city (its confirmation or its XSchule
  // Schulbescheinigung) closes the case as "Schule außerhalb" (issue #19).
  state.schliessGrund = s && AUSSERHALB.has(s.quelle) ? 'schule_ausserhalb' : 'schule_gefunden';
  $('fall-schliessen').textContent = `Fall schließen: ${GRUND[state.schliessGrund]}`;
  $('fall-gefunden-text').textContent = `Der Abgleich zum Stichtag ${datum(a.stichtag)} hat ${f.kind.vornamen} ${f.kind.familienname} `
    + `gefunden: ${s ? (QUELLE[s.quelle] || s.quelle) + ', ' : ''}${wo}. Wenn das stimmt, kann der Fall mit dem Grund „${GRUND[state.schliessGrund]}“ geschlossen werden.`;
  $('fall-gefunden').hidden = false;
}

async function fallOeffnen(id) {
  const { data, etag } = await apiETag('/v1/schulpflicht/faelle/' + encodeURIComponent(id));
  $('fall-konflikt').hidden = true;
  fallZeigen(data, etag);
  await befundZeigen(data);
  $('fall-box').focus();
}

const beschreibung = (f) => `Stand „${STAND[f.status] || f.status}“` + (f.grund ? `, Grund „${GRUND[f.grund] || f.grund}“` : '')
  + `, Bemerkung „${f.bemerkung || '–'}“`;

// fallAendern sends a change with the ETag of the state shown (If-Match):
// a change someone else made meanwhile is not overwritten unseen.
async function fallAendern(eingabe, knopf) {
  knopf.disabled = true;
  try {
    const { data, etag } = await apiETag('/v1/schulpflicht/faelle/' + encodeURIComponent(state.fall.id), {
      method: 'PATCH', headers: { 'Content-Type': 'application/merge-patch+json', 'If-Match': state.etag }, body: JSON.stringify(eingabe),
    });
    $('fall-konflikt').hidden = true;
    fallZeigen(data, etag);
    await befundZeigen(data);
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
    knopf.disabled = false;
  }
}

function fallSpeichern() {
  return fallAendern({
    status: $('fall-status').value,
    grund: $('fall-status').value === 'erledigt' ? ($('fall-grund').value || null) : null,
    bemerkung: $('fall-bemerkung').value,
  }, $('fall-speichern'));
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
  $('fall-schliessen').addEventListener('click', () => fallAendern({ status: 'erledigt', grund: state.schliessGrund || 'schule_gefunden' }, $('fall-schliessen'))
    .catch(showError));
  for (const id of ['f-status', 'f-grund', 'f-schule']) $(id).addEventListener('change', () => faelleZeigen());
  // Only closed cases have a reason: choosing one shows the closed cases.
  $('f-grund').addEventListener('change', () => {
    if ($('f-grund').value && $('f-grund').value !== '-' && $('f-status').value === 'aktiv') {
      $('f-status').value = 'erledigt';
      faelleZeigen();
    }
  });
  $('f-text').addEventListener('input', () => faelleZeigen());
  $('filter').addEventListener('submit', (ev) => ev.preventDefault());
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
  $('mehr-faelle').addEventListener('click', () => faelleZeigen(true));
  // The export takes the status filter (a single status; "offen oder in
  // Klärung" and "alle" export every case).
  $('faelle-xlsx').addEventListener('click', () => {
    const st = $('f-status').value;
    const q = st && st !== 'aktiv' ? '?status=' + encodeURIComponent(st) : '';
    download('/v1/schulpflicht/faelle.xlsx' + q, 'Schulpflicht_Faelle.xlsx')
      .then((n) => status(`„${n}“ wurde heruntergeladen.`, 'ok'), showError);
  });
  voraussetzungenLaden().catch(showError);
  const id = new URLSearchParams(location.search).get('abgleich');
  if (id) {
    const a = await api('/v1/schulpflicht/abgleiche/' + encodeURIComponent(id));
    await zeigen(await folgen(a));
  } else {
    await faelleLaden();
  }
});
