// Übergang page: the school office uploads the applications for
// Schuljahrgang 5, sets the places per school, starts allocations with a
// published procedure, reads and compares their reports and confirms one.
import { api, putJSON, download, datum, datumZeit, zahl, el, status, page, hasRole, ApiError, schuljahrPfad } from './common.js';

const $ = (id) => document.getElementById(id);
const fuerMenschen = (sj) => sj.replace('-', '/');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const VERFAHREN = { erstwunsch: 'Erstwunschverfahren', deferred_acceptance: 'Zurückgestellte Annahme' };

// The school year shown, the schools' names, and the school year's runs
// (GET …/verteilungen), first first.
const state = { sj: '', namen: {}, laeufe: [], aktuell: null, zusagen: [] };

function fehler(e) {
  status(e instanceof ApiError ? e.text : e.message, 'fehler');
}

function naechstesSchuljahr(now = new Date()) {
  const y = now.getMonth() >= 7 ? now.getFullYear() + 1 : now.getFullYear();
  return `${y}-${String((y + 1) % 100).padStart(2, '0')}`;
}

const schule = (nr) => (state.namen[nr] ? `${state.namen[nr]} (${nr})` : nr);
const prozent = (a) => (a == null ? '–' : new Intl.NumberFormat('de-DE', { style: 'percent', maximumFractionDigits: 1 }).format(a));
const zelle = (z) => (z.unterdrueckt ? '•' : zahl(z.anzahl));

async function show(eingabe) {
  const sj = schuljahrPfad(eingabe);
  if (!sj) {
    $('bereich').hidden = true;
    throw new Error(`„${eingabe}“ ist kein Schuljahr. Bitte so angeben: 2027/28.`);
  }
  if (sj !== state.sj) {
    state.laeufe = [];
    state.aktuell = null;
    $('bericht').hidden = true;
    $('vergleich-karte').hidden = true;
    $('zusagen-karte').hidden = true;
    $('import-ergebnis').hidden = true;
  }
  state.sj = sj;
  status('Plätze, Anmeldungen und Verteilungen werden geladen …');
  await loadPlaetze();
  const n = await zaehleAnmeldungen();
  await loadLaeufe();
  $('bereich').hidden = false;
  status(`Schuljahr ${fuerMenschen(sj)}: ${zahl(n)} Anmeldungen, ${zahl($('plaetze').tBodies[0].rows.length)} Schulen.`, 'ok');
}

// zaehleAnmeldungen pages through the applications and shows their number.
async function zaehleAnmeldungen() {
  let n = 0;
  let after = '';
  for (;;) {
    const q = new URLSearchParams({ limit: '500' });
    if (after) q.set('after', after);
    const p = await api(`/v1/uebergang/${state.sj}/anmeldungen?${q}`);
    n += p.items.length;
    if (!p.next) break;
    after = p.next;
  }
  $('anzahl-anmeldungen').textContent = n === 1
    ? `1 Anmeldung für das Schuljahr ${fuerMenschen(state.sj)}.`
    : `${zahl(n)} Anmeldungen für das Schuljahr ${fuerMenschen(state.sj)}.`;
  return n;
}

const QUELLE = { schulamt: 'vom Schulamt festgelegt', schuldaten: 'aus Zügen und Klassenfrequenz', unbekannt: 'unbekannt – bitte festlegen' };
const SCHULFORM = { sekundarschule: 'Sekundarschule', gymnasium: 'Gymnasium', gesamtschule: 'Gesamtschule', gemeinschaftsschule: 'Gemeinschaftsschule', foerderschule: 'Förderschule' };

async function loadPlaetze() {
  const k = await api(`/v1/uebergang/${state.sj}/kapazitaeten`);
  const items = k.items || [];
  for (const s of items) state.namen[s.schulnummer] = s.name;
  $('plaetze').tBodies[0].replaceChildren(...items.map((s) => {
    const id = 'plaetze-' + s.schulnummer;
    const input = el('input', { id, type: 'number', min: '0', step: '1', inputmode: 'numeric', value: s.plaetze == null ? '' : String(s.plaetze), size: '5' });
    const speichern = el('button', { type: 'button', class: 'zweit', 'aria-label': `Plätze ${s.name} speichern` }, 'Speichern');
    speichern.addEventListener('click', () => savePlaetze(s, input).catch(fehler));
    return el('tr', { 'data-schulnummer': s.schulnummer },
      el('th', { scope: 'row' }, s.name, el('br'), el('span', { class: 'hinweis' }, s.schulnummer)),
      el('td', {}, SCHULFORM[s.schulform] || s.schulform || ''),
      el('td', { class: 'z' }, el('label', { for: id, class: 'unsichtbar' }, `Plätze ${s.name}`), input),
      el('td', {}, QUELLE[s.quelle] || s.quelle || ''),
      el('td', {}, speichern));
  }));
}

async function savePlaetze(s, input) {
  const n = Number(input.value);
  if (input.value.trim() === '' || !Number.isInteger(n) || n < 0) {
    input.focus();
    throw new Error(`Bitte für ${s.name} eine ganze Zahl ab 0 eintragen.`);
  }
  const k = await putJSON(`/v1/uebergang/${state.sj}/kapazitaeten/${encodeURIComponent(s.schulnummer)}`, { plaetze: n });
  await loadPlaetze();
  if (state.aktuell && state.aktuell.confirmed_at) await loadZusagen(state.aktuell);
  // After a confirmed run the new places went down the waiting list at once.
  const nach = k.bewegungen ? (k.bewegungen.length === 1 ? ' 1 Kind ist von der Warteliste nachgerückt.' : ` ${zahl(k.bewegungen.length)} Kinder sind von Wartelisten nachgerückt.`) : '';
  status(`Gespeichert: ${s.name} hat im Schuljahr ${fuerMenschen(state.sj)} ${zahl(n)} Plätze in Schuljahrgang 5.${nach}`, 'ok');
  $('plaetze-' + s.schulnummer)?.focus();
}

// upload sends the application list through the imports API (kind
// uebergang; faulty rows are skipped) and shows what came of it.
async function upload() {
  const file = $('datei').files[0];
  if (!file) throw new Error('Bitte zuerst eine Anmeldeliste wählen.');
  const fd = new FormData();
  fd.append('file', file, file.name);
  const q = new URLSearchParams({ kind: 'uebergang', on_error: 'skip', dry_run: 'false' });
  $('hochladen-knopf').disabled = true;
  try {
    status('Die Anmeldeliste wird hochgeladen und verarbeitet …');
    let imp = await api('/v1/imports?' + q, { method: 'POST', body: fd });
    while (imp.status === 'queued' || imp.status === 'running') {
      await sleep(300);
      imp = await api('/v1/imports/' + imp.id);
    }
    const c = imp.counts;
    const box = $('import-ergebnis');
    box.hidden = false;
    const gut = imp.status === 'succeeded';
    $('import-text').className = gut && c.invalid === 0 ? 'ok' : (gut ? 'warnung' : 'fehler');
    $('import-text').textContent = gut
      ? `„${file.name}“: ${zahl(c.rows)} Zeilen gelesen, ${zahl(c.created)} neue und ${zahl(c.updated)} geänderte Anmeldungen, ${zahl(c.unchanged)} unverändert, ${zahl(c.invalid)} fehlerhafte Zeilen übersprungen.`
      : `„${file.name}“ wurde nicht übernommen: ${imp.detail || 'die Liste ist fehlerhaft.'}`;
    $('import-link').href = 'imports.html?import=' + encodeURIComponent(imp.id);
    let liste = [];
    if (c.invalid > 0 || !gut) {
      const e = await api(`/v1/imports/${imp.id}/errors?limit=5`);
      liste = (e.items || []).slice(0, 5).map((f) => el('li', {}, f.cell ? `Zelle ${f.cell}: ${f.message}` : (f.row ? `Zeile ${f.row}: ${f.message}` : f.message)));
    }
    $('import-fehler').replaceChildren(...liste);
    await zaehleAnmeldungen();
    status(gut ? 'Die Anmeldeliste ist verarbeitet.' : 'Die Anmeldeliste wurde nicht übernommen.', gut ? 'ok' : 'fehler');
    $('import-text').focus();
  } finally {
    $('hochladen-knopf').disabled = false;
  }
}

async function starten() {
  const verfahren = document.querySelector('input[name=verfahren]:checked').value;
  $('starten').disabled = true;
  try {
    status('Die Verteilung wird berechnet …');
    const l = await api(`/v1/uebergang/${state.sj}/verteilungen`, {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ verfahren }),
    });
    await loadLaeufe();
    await showLauf(l.id);
  } finally {
    $('starten').disabled = false;
  }
}

// loadLaeufe reads every run of the school year (page by page) and lists
// them with the headline of their results.
async function loadLaeufe() {
  const laeufe = [];
  let after = '';
  for (;;) {
    const q = new URLSearchParams({ limit: '200' });
    if (after) q.set('after', after);
    const p = await api(`/v1/uebergang/${state.sj}/verteilungen?${q}`);
    laeufe.push(...p.items);
    if (!p.next) break;
    after = p.next;
  }
  state.laeufe = laeufe;
  $('laeufe-karte').hidden = laeufe.length === 0;
  $('laeufe').tBodies[0].replaceChildren(...laeufe.map((l) => {
    const zeigen = el('button', { type: 'button', class: 'zweit', 'aria-label': `${laufName(l)} anzeigen` }, 'Anzeigen');
    zeigen.addEventListener('click', () => showLauf(l.id).catch(fehler));
    return el('tr', { 'data-id': l.id },
      el('th', { scope: 'row' }, laufName(l)),
      el('td', {}, datumZeit(l.created_at)),
      el('td', { class: 'z' }, zahl(l.kinder)),
      el('td', { class: 'z' }, zahl(l.wunsch_1)),
      el('td', { class: 'z' }, zahl(l.wunsch_2)),
      el('td', { class: 'z' }, zahl(l.wunsch_3)),
      el('td', { class: 'z' }, zahl(l.ohne_platz)),
      el('td', {}, zeigen));
  }));
  fillVergleich();
}

function laufName(l) {
  const i = state.laeufe.findIndex((x) => x.id === l.id) + 1;
  return `Lauf ${i}: ${VERFAHREN[l.verfahren] || l.verfahren}${l.confirmed_at ? ' (bestätigt)' : ''}`;
}

async function showLauf(id) {
  const [l, b] = await Promise.all([
    api(`/v1/uebergang/${state.sj}/verteilungen/${encodeURIComponent(id)}`),
    api(`/v1/uebergang/${state.sj}/verteilungen/${encodeURIComponent(id)}/bericht`),
  ]);
  state.aktuell = l;
  $('bericht').hidden = false;
  $('bericht').dataset.id = l.id;
  $('h-bericht').textContent = `Ergebnis: ${laufName(l)}`;
  $('lauf-info').textContent = `${VERFAHREN[l.verfahren] || l.verfahren}, berechnet am ${datumZeit(l.created_at)} für ${zahl(l.anmeldungen)} Anmeldungen. Los-Startwert (Seed): ${l.seed}`;
  const g = b.gesamt;
  $('gesamt').tBodies[0].replaceChildren(...[
    ['1. Wunsch erfüllt', g.wunsch_1, g.anteil_wunsch_1, 'wunsch_1'],
    ['2. Wunsch erfüllt', g.wunsch_2, g.anteil_wunsch_2, 'wunsch_2'],
    ['3. Wunsch erfüllt', g.wunsch_3, g.anteil_wunsch_3, 'wunsch_3'],
    ['ohne Platz an einer Wunschschule', g.ohne_platz, g.anteil_ohne_platz, 'ohne_platz'],
    ['Kinder insgesamt', g.kinder, null, 'kinder'],
  ].map(([was, z, a, key]) => el('tr', { 'data-key': key }, el('th', { scope: 'row' }, was), el('td', { class: 'z' }, zelle(z)), el('td', { class: 'z' }, key === 'kinder' ? '' : prozent(a)))));
  $('je-schule').tBodies[0].replaceChildren(...b.schulen.map((s) => el('tr', { 'data-schulnummer': s.schulnummer },
    el('th', { scope: 'row' }, schule(s.schulnummer)),
    el('td', { class: 'z' }, zahl(s.plaetze)),
    el('td', { class: 'z' }, zahl(s.bewerbungen)),
    el('td', { class: 'z' }, zahl(s.erstwuensche)),
    el('td', { class: 'z' }, zelle(s.wunsch_1)),
    el('td', { class: 'z' }, zelle(s.wunsch_2)),
    el('td', { class: 'z' }, zelle(s.wunsch_3)),
    el('td', { class: 'z' }, zelle(s.aufgenommen)),
    el('td', { class: 'z' }, zahl(s.abgewiesen)))));
  showBestaetigung(l);
  fillVergleich();
  await loadZusagen(l);
  status(`${laufName(l)} ist berechnet: ${zelle(g.wunsch_1)} von ${zelle(g.kinder)} Kindern erhalten ihren Erstwunsch.`, 'ok');
  $('h-bericht').focus();
}

function showBestaetigung(l) {
  $('frage').hidden = true;
  const done = !!l.confirmed_at;
  $('bestaetigen').hidden = done;
  $('bestaetigt').hidden = !done;
  $('bestaetigt').textContent = done
    ? `Diese Verteilung ist bestätigt (am ${datumZeit(l.confirmed_at)}). Die Aufnahmen gehen an das BMS.`
    : '';
}

function frageBestaetigung() {
  const l = state.aktuell;
  $('frage-text').textContent = `Soll „${laufName(l)}“ verbindlich bestätigt werden? Danach gehen die Aufnahmen an das BMS; das lässt sich nicht rückgängig machen.`;
  $('frage').hidden = false;
  $('bestaetigen').hidden = true;
  $('frage-text').focus();
}

async function bestaetigen() {
  const l = state.aktuell;
  await api(`/v1/uebergang/${state.sj}/verteilungen/${encodeURIComponent(l.id)}/bestaetigung`, { method: 'POST' });
  await loadLaeufe();
  await showLauf(l.id);
  status(`${laufName(state.aktuell)}: die Verteilung ist bestätigt.`, 'ok');
  $('bestaetigt').focus();
}

// alle reads every page of a list.
async function alle(pfad) {
  const items = [];
  let after = '';
  for (;;) {
    const q = new URLSearchParams({ limit: '1000' });
    if (after) q.set('after', after);
    const p = await api(`${pfad}?${q}`);
    items.push(...p.items);
    if (!p.next) return items;
    after = p.next;
  }
}

const kindName = (a) => (a ? `${a.familienname}, ${a.vornamen}` : 'unbekannt');

// loadZusagen shows, for a confirmed run, every child's place now, its
// waiting places and the declines recorded, with a decline per place.
async function loadZusagen(l) {
  const karte = $('zusagen-karte');
  if (!l.confirmed_at) {
    karte.hidden = true;
    return;
  }
  const basis = `/v1/uebergang/${state.sj}/verteilungen/${encodeURIComponent(l.id)}`;
  const [anmeldungen, zuteilungen, absagen] = await Promise.all([
    alle(`/v1/uebergang/${state.sj}/anmeldungen`), alle(`${basis}/zuteilungen`), alle(`${basis}/absagen`)]);
  const anm = Object.fromEntries(anmeldungen.map((a) => [a.id, a]));
  state.zusagen = zuteilungen.map((z) => ({ z, a: anm[z.anmeldung_id] }))
    .sort((x, y) => kindName(x.a).localeCompare(kindName(y.a), 'de'));
  karte.hidden = false;
  zeigeZusagen();
  $('absagen-leer').hidden = absagen.length > 0;
  $('absagen').replaceChildren(...absagen.slice().reverse().map((ab) => {
    const nach = (ab.bewegungen || []).filter((m) => m.nach && m.anmeldung_id !== ab.anmeldung_id)
      .map((m) => `${kindName(anm[m.anmeldung_id])} rückt an ${schule(m.nach)} nach`);
    return el('li', { 'data-id': String(ab.id) }, `${datumZeit(ab.erfasst_am)}: Absage für ${kindName(anm[ab.anmeldung_id])}`
      + (nach.length ? ` – ${nach.join('; ')}.` : ' – niemand rückt nach.'));
  }));
}

function warteplaetze(w) {
  return Object.entries(w || {}).sort((a, b) => a[1] - b[1]).map(([nr, rang]) => `${schule(nr)}: Rang ${zahl(rang)}`).join('; ');
}

// zeigeZusagen lists the children the search finds (at most 200 rows).
function zeigeZusagen() {
  const such = $('zusagen-filter').value.trim().toLocaleLowerCase('de');
  const treffer = (state.zusagen || []).filter(({ a }) => !such || kindName(a).toLocaleLowerCase('de').includes(such));
  const rows = treffer.slice(0, 200);
  $('zusagen-anzahl').textContent = treffer.length > rows.length
    ? `${zahl(treffer.length)} Kinder, die ersten ${zahl(rows.length)} angezeigt – bitte die Suche verfeinern.`
    : `${zahl(treffer.length)} Kinder.`;
  $('zusagen').tBodies[0].replaceChildren(...rows.map(({ z, a }) => {
    const platz = z.abgesagt ? 'abgesagt' : (z.schulnummer ? `${schule(z.schulnummer)} (${z.wunsch}. Wunsch)` : 'ohne Platz');
    const zelle = el('td', {});
    if (z.schulnummer && !z.abgesagt) {
      const knopf = el('button', { type: 'button', class: 'zweit', 'aria-label': `Absage für ${kindName(a)} erfassen` }, 'Absage erfassen …');
      knopf.addEventListener('click', () => frageAbsage(zelle, z, a));
      zelle.append(knopf);
    }
    return el('tr', { 'data-anmeldung': z.anmeldung_id },
      el('th', { scope: 'row' }, kindName(a)),
      el('td', {}, a && a.geburtsdatum ? datum(a.geburtsdatum) : ''),
      el('td', {}, platz),
      el('td', {}, warteplaetze(z.warteliste)),
      zelle);
  }));
}

// frageAbsage asks once more in the row before a decline is recorded: it
// cannot be taken back.
function frageAbsage(zelle, z, a) {
  const frage = el('p', { tabindex: '-1' }, `Absage für ${kindName(a)} an ${schule(z.schulnummer)} verbindlich erfassen? Der Platz geht an die Warteliste.`);
  const ja = el('button', { type: 'button' }, 'Ja, Absage erfassen');
  const nein = el('button', { type: 'button', class: 'zweit' }, 'Abbrechen');
  ja.addEventListener('click', () => absagen(z, a).catch(fehler));
  nein.addEventListener('click', () => zeigeZusagen());
  zelle.replaceChildren(frage, ja, nein);
  frage.focus();
}

async function absagen(z, a) {
  const l = state.aktuell;
  const ab = await api(`/v1/uebergang/${state.sj}/verteilungen/${encodeURIComponent(l.id)}/absagen`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ anmeldung_id: z.anmeldung_id }),
  });
  await loadZusagen(l);
  const n = (ab.bewegungen || []).filter((m) => m.nach && m.anmeldung_id !== z.anmeldung_id).length;
  status(`Die Absage für ${kindName(a)} ist erfasst. ${n === 1 ? '1 Kind rückt nach.' : `${zahl(n)} Kinder rücken nach.`}`, 'ok');
  $('h-zusagen').focus();
}

// fillVergleich offers every run of the school year; a new run proposes
// the last two, otherwise the choice stays.
function fillVergleich() {
  const n = state.laeufe.length;
  $('vergleich-karte').hidden = n < 2;
  const neu = Number($('lauf-b').dataset.laeufe || 0) !== n;
  for (const [id, pick] of [['lauf-a', n - 2], ['lauf-b', n - 1]]) {
    const sel = $(id);
    const before = sel.value;
    sel.replaceChildren(...state.laeufe.map((l) => el('option', { value: l.id }, laufName(l))));
    sel.value = !neu && before ? before : (state.laeufe[pick]?.id || '');
    sel.dataset.laeufe = String(n);
  }
}

async function vergleichen() {
  const a = $('lauf-a').value;
  const b = $('lauf-b').value;
  if (!a || !b || a === b) throw new Error('Bitte zwei verschiedene Verteilungen wählen.');
  const v = await api(`/v1/uebergang/${state.sj}/verteilungen/${encodeURIComponent(a)}/vergleich?mit=${encodeURIComponent(b)}`);
  const la = state.laeufe.find((l) => l.id === a);
  const lb = state.laeufe.find((l) => l.id === b);
  $('vergleich').hidden = false;
  $('vergleich-titel').textContent = `A = ${laufName(la)}, B = ${laufName(lb)}`;
  const rows = [['1. Wunsch erfüllt', 'wunsch_1'], ['2. Wunsch erfüllt', 'wunsch_2'], ['3. Wunsch erfüllt', 'wunsch_3'],
    ['ohne Platz an einer Wunschschule', 'ohne_platz'], ['Kinder', 'kinder']]
    .map(([was, k]) => el('tr', { 'data-key': k }, el('th', { scope: 'row' }, was), el('td', { class: 'z' }, zahl(v.a[k])), el('td', { class: 'z' }, zahl(v.b[k]))));
  const schulen = (v.schulen || []).filter((s) => s.aufgenommen_a !== s.aufgenommen_b || s.wunsch_1_a !== s.wunsch_1_b)
    .map((s) => el('tr', { 'data-schulnummer': s.schulnummer }, el('th', { scope: 'row' }, `${schule(s.schulnummer)}: aufgenommen (davon mit 1. Wunsch)`),
      el('td', { class: 'z' }, `${zahl(s.aufgenommen_a)} (${zahl(s.wunsch_1_a)})`), el('td', { class: 'z' }, `${zahl(s.aufgenommen_b)} (${zahl(s.wunsch_1_b)})`)));
  $('vergleich-tabelle').tBodies[0].replaceChildren(...rows, ...schulen);
  $('vergleich-kinder').textContent = `Je Kind: ${zahl(v.gleich)} gleich, ${zahl(v.besser_in_b)} erhalten in B einen früheren Wunsch, ${zahl(v.schlechter_in_b)} einen späteren; ${zahl(v.andere_schule)} Kinder kommen in B an eine andere Schule.`;
  status('Die beiden Verteilungen sind verglichen.', 'ok');
  $('vergleich-titel').focus();
}

page('uebergang.html', async () => {
  if (!hasRole('schulamt')) {
    $('nur-schulamt').hidden = false;
    $('wahl').hidden = true;
    return;
  }
  const form = $('wahl');
  form.addEventListener('submit', (ev) => { ev.preventDefault(); show($('schuljahr').value).catch(fehler); });
  $('hochladen').addEventListener('submit', (ev) => { ev.preventDefault(); upload().catch(fehler); });
  $('verteilen').addEventListener('submit', (ev) => { ev.preventDefault(); starten().catch(fehler); });
  $('vergleichen').addEventListener('submit', (ev) => { ev.preventDefault(); vergleichen().catch(fehler); });
  $('bestaetigen').addEventListener('click', frageBestaetigung);
  $('abbrechen').addEventListener('click', () => { $('frage').hidden = true; $('bestaetigen').hidden = false; $('bestaetigen').focus(); });
  $('ja-bestaetigen').addEventListener('click', () => bestaetigen().catch(fehler));
  const datei = (fmt) => download(`/v1/uebergang/${state.sj}/verteilungen/${encodeURIComponent(state.aktuell.id)}/bericht?format=${fmt}`, `uebergang-bericht.${fmt}`)
    .then((name) => status(`„${name}“ wurde heruntergeladen.`, 'ok'), fehler);
  $('bericht-xlsx').addEventListener('click', () => datei('xlsx'));
  $('bericht-csv').addEventListener('click', () => datei('csv'));
  const briefe = (fmt) => download(`/v1/uebergang/${state.sj}/verteilungen/${encodeURIComponent(state.aktuell.id)}/briefe.${fmt}`, `uebergang-bescheide.${fmt}`)
    .then((name) => status(`„${name}“ wurde heruntergeladen.`, 'ok'), fehler);
  $('briefe-xlsx').addEventListener('click', () => briefe('xlsx'));
  $('briefe-csv').addEventListener('click', () => briefe('csv'));
  $('zusagen-suche').addEventListener('submit', (ev) => ev.preventDefault());
  $('zusagen-filter').addEventListener('input', zeigeZusagen);
  const sj = new URLSearchParams(location.search).get('schuljahr') || naechstesSchuljahr();
  $('schuljahr').value = fuerMenschen(schuljahrPfad(sj) || sj);
  await show(sj);
});
