"""Objections: the prospect pushes back on price, timing, an incumbent, authority, need or risk.

Buyers rarely say "that's too expensive" outright; they compare with what they budgeted or pay today,
name the tool or contract they already have, defer to someone else, doubt the value or fear the effort.
The patterns name those comparisons and deferrals rather than whole sentences. Complaints about the
vendor's own product in a support call are not objections, nor is praise for it ("we're already using
your app every day").
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from audio_scoring.result import Objection, Utterance
from audio_scoring.text_rules import is_backchannel_text, sentences, words
from audio_scoring.wording import FAULT, ROLE, negated, normalise

_WHO = rf"(?:(?:my|our|the|a|an) (?:\w+ ){{0,2}})?{ROLE}"
_US = r"(?:we|we're|we've|we'd|i|i'm|i've|i'd|us|our|the team|they|the (?:guys|lads|staff|reps|team))"
# Cues whose meaning flips under a negation before them: "not worried about", "not locked into anything",
# "no concerns", "not happy with our current setup" (that is a need, not an objection).
_APPREHENSION = (
    r"(?:worried|worries|worry|concerned|concerns?|nervous|wary|cautious|hesitant|reluctant|sceptical|"
    r"skeptical|apprehensive|afraid|scared|uneasy|twitchy)"
)

# (pattern, flips under negation) per kind, in the order they are tried.
OBJECTION_PATTERNS: dict[str, tuple[tuple[re.Pattern[str], bool], ...]] = {
    "price": (
        (re.compile(
            r"\b(expensive|pricey|costly|(too|pretty|quite|a bit|bit|really|very|way) (steep|rich|high)|"
            r"(that'?s|it'?s|this is|that is|it is) (\w+ ){0,2}too much|"
            r"too much (money|for (us|a \w+)|to (pay|justify))|"
            r"(pay|paying|spend|spending) (that|this) much|"
            r"(more|higher|over|above|double|twice|triple|beyond|outside) (than |of )?(what )?(we|i)('d|'ve)?"
            r"( \w+){0,3} "
            r"(budgeted|pay|paid|spend|spent|planned|expected|had in mind|were thinking|were expecting|can spend|"
            r"can afford|set aside)|"
            r"(big|quite a|huge|real) jump|adds? up( fast)?|can'?t afford|cannot afford|couldn'?t afford|"
            r"out of (our|my) (budget|price range|league|reach)|over (our|my|the) budget|"
            r"(no|don'?t have|haven'?t got|not got)( any| the| enough| that( kind of| sort of)?)? "
            r"(budget|money|funds|cash)|"
            r"still paying (off|for) (the|our|a)|"
            r"(hoping|looking|expecting) for (something )?(nearer|closer to|more like|under|below|less than)|"
            r"budget'?s? (is )?(gone|spent|frozen|used up|maxed)|money'?s? (tight|short)|"
            r"tight on (money|cash|budget)|justify the (cost|price|spend)|hard to justify|"
            r"half (the price|that|what you)|quoted us (\w+ ){0,2}(less|half|cheaper)|"
            r"cheaper (elsewhere|option|alternative)|cutting costs|a lot (of money|to ask)|not cheap|"
            r"out of (reach|our league|our range)|beyond (our|what we)|too rich|"
            r"for a (company|team|shop|business|practice|firm|outfit) (of )?(our|my) size|"
            r"(price|cost|pricing|fee)s? (is|are|seems|feels|looks|'s) (a bit |too |quite |very |really )?"
            r"(high|steep|much))\b",
            re.I,
        ), False),
    ),
    "timing": (
        (re.compile(
            r"\b(not (a good|the right|a great|the best) time|timing (isn'?t|is not) (great|right|ideal|good)|"
            r"(the )?timing('s| is) (awkward|bad|tricky|terrible|wrong|off|difficult|not great)|"
            r"not right now|maybe (later|next year|in the new year)|too busy|slammed|swamped|can'?t take on|"
            r"wait and see|(rather|prefer to|'d|better|going to|want to) wait|hold off|"
            r"put (it|this|that) on (hold|ice|the back burner)|revisit (this|it) later|"
            r"not (a|the|much of a|really a) priority|too much going on|everything else going on|"
            r"not this (quarter|year)|(now|right now|the timing|this (month|quarter|year)) (is|isn'?t|is not|'s)"
            r"( really)? (not )?(great|good|ideal|the time|a good time|bad|crazy|hectic)|"
            r"(halfway|midway|partway) through|in the (middle|thick) of|bad time|hectic|underwater|"
            r"(no|don'?t have the) (bandwidth|capacity)|not (until|till)|nothing('s| is)? (happening|going to "
            r"happen|changing|moving) (until|till|before)|let me (have a |)think|(think|sleep|mull) (about|on|over) it|"
            r"need (some|more) time|(when|once|until|till) things (calm|quiet|settle|slow) down|"
            r"(might|maybe|probably|perhaps)( \w+){0,4} at some point|at some point (when|once|in the future)|"
            r"one of these days|down the line|before anything changes|not (really )?the (moment|time)|"
            r"now'?s( really)? not)\b",
            re.I,
        ), False),
    ),
    "competitor": (
        (re.compile(
            r"\b(already (use|using|have|got|work with|working with|pay for|paying for)(?! (your|you|it|the "
            r"money|the budget|(the |some )?(budget|money|funds|approval|sign-?off|quotes?|demo|proposal))\b)|"
            r"(just|recently|only just) (signed|renewed|re-?signed|extended|committed|switched|moved|invested)|"
            r"renewed (with (?!you\b)|our|for)|locked in(to)?|tied (in|into|up)|mid[- ]?contract|under contract|"
            r"in (a|an|the middle of a) ([\w-]+ ){0,2}(contract|agreement) with|"
            r"(another|other) (vendor|provider|tool|solution|system|supplier|company)|competitors?|"
            r"(current|existing) (vendor|provider|tool|solution|system|setup|set-?up|broker|agency|supplier)"
            r"( \w+){0,2} (does|do|works?|covers?|handles?|is fine|is doing)|"
            r"does (the job|what we need|everything we need|most of (this|that|it|what))|gets the job done|"
            r"(built|have|got) (something|our own|one) in[- ]house|in[- ]house|(do|does|handle|manage) (it|that|"
            r"all that|all of that|this) ourselves|already gives us|in our crm|mostly covers|attached to the way|"
            r"works fine (as it is|for us)|fine as (it is|is)|(still|already) works|"
            r"(we'?ve got|we have|we use|we'?ve been using|we'?re using) is (fine|ok|okay|good|great|working)|"
            r"built (us something|our own|something ourselves)|"
            r"(stay|staying|stick|sticking) with (who|what|our|the one|the people) (we|they)|"
            r"(keep|keeping) (who|what) we('ve| have)? got|"
            r"(we'?ve|we have) got (something|one|a system|a tool|a process|someone)( \w+){0,3} (in place|already)|"
            r"(something|one|a system|a tool) in place|"
            r"(signed|went|are going|gone|committed|partnered) (up )?with (?!you\b)|"
            r"(does|do|covers?|handles?)(n'?t)? already|already (does|do|covers|handles))\b",
            re.I,
        ), True),
        (re.compile(
            r"\b(happy|content|satisfied|sorted|covered) (with|for)(?! (that|this|it|the (time|date|plan|"
            r"proposal|price|quote|demo))\b)(?!( [\w']+){0,4} (you|your)\b)",
            re.I,
        ), True),
    ),
    "authority": (
        (re.compile(
            rf"\b((?:(have|need|needs|got|gotta|must) to|let me|i'?d want to|want to|before i|until i)( \w+){{0,2}} "
            rf"(run|check|clear|talk|speak|discuss|take|put|get|show|ask|loop|consult|bounce|float|pass)\b"
            rf"([\w',]* ){{0,6}}?{_WHO}\b|"
            rf"(i|we)('d|'ll| would| will)? (need|have to get) {_WHO} to (sign|approve|okay|ok|agree|see|look|"
            rf"bless|give|say|be on board|buy in|have a look)|"
            rf"(can'?t|cannot|won'?t|not able to|unable to) (commit|sign|decide|agree|say yes|go ahead|move "
            rf"forward|say anything|promise)( [\w']+){{0,4}} (until|till|without|before) {_WHO}|"
            r"not my (decision|call|choice)|(isn'?t|is not|'s not) (my (decision|call)|up to me)|not up to me|"
            rf"(float|bounce) (it|this|that) (with|off|past|by) {_WHO}|"
            rf"(gathering|getting|collecting|pulling together) (quotes|prices|options|information)( \w+){{0,3}} "
            rf"for {_WHO}|"
            r"above my pay grade|don'?t have the (authority|sign-?off|final say)|out of my hands|"
            rf"get {_WHO} (on board|excited|to sign off)|"
            r"(don'?t know|not sure|doubt) (if|whether|that) (that|it|this)('d| would| will)? (get|go) (past|through)|"
            rf"(can'?t|don'?t) see {_WHO} (going for|agreeing|approving|signing|buying|wanting)|"
            rf"{_WHO} (won'?t|wouldn'?t|will never|would never) (go for|agree|approve|sign|like|want))\b",
            re.I,
        ), False),
    ),
    "need": (
        (re.compile(
            r"\b(don'?t (really )?need|no need|not sure (we|i) need|(don'?t|do not) think (we|i) (really )?need|"
            r"(don'?t|doesn'?t|do not|can'?t) see the (value|point|return|roi|benefit|need|use|upside|case)|"
            r"(not|n'?t) (convinced|sold|persuaded)|not sure (it'?s|it is|it'?d be|it would be) worth|"
            r"(not sure|don'?t know|doubt)( if| whether| that)? the (roi|return|value|savings?|numbers?|"
            r"business case) (is|are|would|'?s|stack|add)|worth it for|"
            r"if we (ever )?(grow|get bigger|got bigger|got to|get to|reach|hit)|big enough to (need|justify)|"
            r"(we'?re|we are) (only )?a small (team|practice|shop|business|firm|company|outfit)|"
            r"(is|'s) (that|this|it) different|what is different|what'?s the difference|can'?t we just|"
            r"not sure (it'?s|it is) worth|not sure where (you|this|it)('d| would)? fit|"
            r"don'?t see (what|how|why|where)|overkill|more than we need|too (sophisticated|complicated|"
            r"advanced|big) for us|anything this (sophisticated|complicated|advanced|big)|"
            r"(can'?t|cannot|won'?t|not able to|unable to) (commit|sign|decide|agree|say yes|go ahead|move "
            r"forward|promise)( [\w']+){0,4} (until|till|without|before)|"
            r"(can'?t|don'?t) see (us|myself|the team|our \w+) (paying|using|needing|switching|buying|going for)|"
            r"(sorted|solved|fixed) (that|it|this) out|(problem|issue) (is|was|'s|has been) (solved|sorted)|"
            r"(struggling|struggle|hard pressed) to see|how (it|this|that)('s| is| would be) different|"
            r"different from what|(not sure|don'?t think|doubt) (it'?s|this is|that'?s|it would be|it'?d be) "
            r"(really )?(for us|right for us|a (good )?fit)|not (really )?for us|"
            r"(we'?re )?only a ([\w-]+ ){0,3}(person|man|people|seat|user|desk)s? "
            r"(office|team|shop|practice|business|firm)|"
            r"anti-(subscription|contract|cloud|software|tech)|not keen on|(aren'?t|not) (big |huge )?fans? of|"
            r"prefer to (buy|own) (it )?outright|prefer to (keep|stay|stick) with)\b",
            re.I,
        ), False),
    ),
    "risk": (
        (re.compile(rf"\b({_APPREHENSION}|my (main |big |biggest |only )?(worry|concern|fear)|the (worry|concern|"
                    rf"fear) is)\b", re.I), True),
        (re.compile(
            r"\b(not sure (the team|they|we|our \w+|people|the (guys|lads|staff|reps|drivers|team|doctors|nurses|"
            r"agents)) (would|will|'d|'ll) (actually )?(use|adopt|take to|get on with|like)|"
            r"a lot of questions about|tough sell|hate (being|to)|didn'?t work out|nobody (adopted|used|bothered)|"
            r"(won'?t|wouldn'?t|will never|would never|never going to|aren'?t going to) (want|use|adopt|like|"
            r"bother|take to|touch)|(not|aren'?t|isn'?t) (very |that |really )?(techy|tech-savvy|"
            r"technical|good with (tech|computers|apps))|"
            r"(are|is|'re|'s|get|got|very|so|all) used to (the|their|our|it|doing|working|paper|pen)|"
            r"set in (their|our) ways|changing (that|it|this|over|things|everything|systems?)( \w+){0,3} "
            r"(would|will|is|'d)( be)?( a)? (nightmare|hard|painful|pain|tough|difficult|disruptive|big job)|"
            r"(didn'?t|did not|never) (really )?(stick|take off|catch on|get used|get adopted|last)|"
            r"(went|go|going|gone) back to (the |their |our )?(spreadsheets?|paper|excel|old)|gave up on (it|that)|"
            r"tried (a|an|some|one|something|this|that)( \w+){0,3} (like|similar)|"
            r"(looked at|tried|had|bought|used) something similar|promised the same|see real numbers|"
            r"a lot of work|if anything goes wrong|(burned|burnt|bitten|stung) (us|by|before)|been (burned|burnt|"
            r"bitten|stung)|once bitten|"
            r"not sure (we|i|they|the team) (could|can) (get|make|convince)|change (how|the way) (they|we) work|"
            r"(not|won'?t|never) (be )?signing (anything|up for anything)|"
            r"(can'?t|don'?t) see (the |our |my )?(\w+ )?(reps|staff|team|guys|lads|people|drivers|engineers|"
            r"nurses|doctors|agents|them|anyone|anybody) (bothering|using|wanting|adopting|switching|taking to)|"
            r"(would|will|'d|'ll) (revolt|riot|mutiny|kill me|go mad|walk out|never (use|accept|go for))|"
            r"rock the boat|(only )?just got (everyone|everybody|the team|them|people) (using|on|onto|used to)|"
            r"(the )?last time we (changed|switched|moved)|"
            r"took (us )?(\w+ ){0,2}(months|weeks|ages|forever) to (get back|recover|settle|sort)|"
            r"(not sure|doubt) (yours|your (system|tool|product|software|platform|app)|it) (does|can|will|would|"
            r"meets?|complies|supports?|handles?|integrates?)\b|"
            r"i don'?t think (it|they|that) (does|will|can|would))\b",
            re.I,
        ), False),
    ),
}
# The prospect says why they came to us: a past vendor's price or a gap elsewhere is a reason to buy.
_REASON_TO_BUY = re.compile(
    r"\b(that'?s why (we'?re|i'?m|we are|i am) (talking|here|calling|looking)|which is why (i|we) (called|came|"
    r"reached out))\b",
    re.I,
)
_ADDRESS = re.compile(
    r"\b(understand|fair|good question|great question|that'?s why|because|difference|actually|"
    r"customers|save|saves|roi|return|discount|compared|unlike|what if|would it help)\b",
    re.I,
)


@lru_cache(maxsize=4096)  # BANT need and timeline ask about the same sentences again
def objection_kind(sentence: str) -> str | None:
    """The first kind whose cue is in the sentence and not negated; None in support talk."""
    text = normalise(sentence)
    if _REASON_TO_BUY.search(text) or FAULT.search(text):
        return None
    for kind, cues in OBJECTION_PATTERNS.items():
        for pattern, flips in cues:
            if any(not (flips and negated(text, m.start())) for m in pattern.finditer(text)):
                return kind
    return None


def find_objections(transcript: Sequence[Utterance]) -> list[Objection]:
    """Prospect sentences matching an objection kind; addressed when the rep's reply engages with it."""
    found: list[Objection] = []
    for i, utt in enumerate(transcript):
        if utt.speaker != "prospect":
            continue
        for sent in sentences(utt.text):
            kind = objection_kind(sent)
            if kind is not None:
                found.append(Objection(kind=kind, text=sent, at_s=utt.start_s, addressed=_addressed(transcript, i)))
    return found


def _addressed(transcript: Sequence[Utterance], i: int) -> bool:
    """The rep's next utterance (within 20 s) is substantive: it explains or engages, not just "okay"."""
    t0 = transcript[i].end_s
    for utt in transcript[i + 1 :]:
        if utt.start_s - t0 > 20.0:
            return False
        if utt.speaker == "rep" and not is_backchannel_text(utt.text):
            return len(words(utt.text)) >= 8 or bool(_ADDRESS.search(utt.text))
    return False
