"""route() sends each message where docs/ROUTING_GUIDE.md says it goes."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from hard_e.agents.router import AGENTS, Route, route

EXAMPLES = Path(__file__).parent / "data" / "routing_examples.jsonl"


def label(r: Route) -> str:
    return "direct" if r.flow == "direct" else r.agent


def load_examples() -> list[dict]:
    return [json.loads(line) for line in EXAMPLES.read_text().splitlines() if line.strip()]


@pytest.mark.parametrize("ex", load_examples(), ids=lambda ex: ex["id"])
def test_public_example(ex):
    r = route(ex["text"], ex["active_workflow"])
    assert (r.flow, r.agent) == (ex["expected_flow"], ex["expected_agent"])


# The guide's contrasting pairs: (message, active workflow, label).
PAIRS = [
    ("what does the Inspection stage mean?", None, "direct"),
    ("which of my jobs are in Inspection?", None, "crm"),
    ("what goes into a good primer video?", None, "direct"),
    ("write a primer video script for the Ostrowski appointment", None, "scripting"),
    ("how should I handle price objections?", None, "direct"),
    ("what price objections come up on our calls?", None, "analysis"),
    ("what do we charge per square for the Signature package?", None, "direct"),
    ("what are other roofers in Fort Worth charging per square these days?", None, "web_search"),
    ("what's our warranty transfer policy?", None, "direct"),
    ("which doc covers warranty transfers? quote it", None, "knowledge"),
    ("which fields are required when we add a customer?", None, "direct"),
    ("create a customer: Paula Grange, 555-302-7719", None, "new_clients"),
    ("thank you!", None, "direct"),
    ("thank you!", "scripting", "scripting"),
    # The guide's other worked examples.
    ("what stage is the Brandt job in?", "scripting", "crm"),
    ("do we offer a warranty on gutter guards?", "new_clients", "direct"),
    ("add our gutter warranty to the script", "scripting", "scripting"),
    ("log a call on the Rivera job and find out what permits cost in Aurora", None, "triage"),
    ("new lead Colin Shaw 555-404-1212, and also how often does financing come up on our calls?", None, "triage"),
    ("write a follow-up script for the Garcias", None, "scripting"),
    ("I've got a new customer for you, details in a sec", None, "new_clients"),
    ("sort out the Whitman mess for me", None, "triage"),
    ("I've got a customer problem", None, "triage"),
    ("same as last time for the Okonkwos", None, "triage"),
    ("handle it", None, "triage"),
    ("Kessler", None, "triage"),
    ("the Millers?", None, "triage"),
    ("sure, do that", None, "triage"),
    ("circle back on it", None, "triage"),
    ("my inspections on Monday", None, "crm"),
    ("how many jobs are in Contract Signed?", None, "crm"),
    ("cut the intro", "scripting", "scripting"),
    ("call him Mr. Lopez", "scripting", "scripting"),
    ("make it Contract Signed instead", "crm", "crm"),
    ("never mind, leave it", "crm", "crm"),
    ("which calls were those?", "analysis", "analysis"),
    ("only the Denver ones?", "analysis", "analysis"),
    ("great, thank you", "new_clients", "new_clients"),
    ("love it", "scripting", "scripting"),
    ("are you there?", None, "direct"),
    ("what are you able to help with?", None, "direct"),
]


@pytest.mark.parametrize(("text", "active", "expected"), PAIRS, ids=[f"{a or '-'}:{t}" for t, a, _ in PAIRS])
def test_guide_case(text, active, expected):
    assert label(route(text, active)) == expected


# Our own set, written from the rules: (message, active workflow, label).
OWN = [
    # Step 2 — small talk
    ("hey hard-e", None, "direct"),
    ("good morning!", None, "direct"),
    ("thanks man", None, "direct"),
    ("ty", None, "direct"),
    ("you there?", None, "direct"),
    ("what can you help me with", None, "direct"),
    ("tell me a joke", None, "direct"),
    ("lol nice", None, "direct"),
    ("have a good weekend", None, "direct"),
    ("hows it going", None, "direct"),
    # Rule 8 — company knowledge, coaching, short writing help
    ("what's the difference between Essential and Preferred?", None, "direct"),
    ("how much is a Series 500 window installed?", None, "direct"),
    ("do we do metal roofs", None, "direct"),
    ("whats the deposit on a cash job", None, "direct"),
    ("can I give a teacher discount", None, "direct"),
    ("what happens when financing gets declined", None, "direct"),
    ("how long is an estimate good for", None, "direct"),
    ("how many test squares do we chalk per slope", None, "direct"),
    ("do we pull permits or does the homeowner", None, "direct"),
    ("what's our current price per square on Preferred?", None, "direct"),
    ("customer says she needs to talk to her husband first, what do I say", None, "direct"),
    ("how do i handle someone who says the roof looks fine", None, "direct"),
    ("tips for getting past a competitor quote?", None, "direct"),
    ("write a quick text to a homeowner saying the crew is running 30 minutes late", None, "direct"),
    ("help me reply to an email from a customer asking about our warranty", None, "direct"),
    ("write a facebook post about our gutter guards", None, "direct"),
    ("whats the minimum for a window job", None, "direct"),
    ("is solar 240 only for solar jobs", None, "direct"),
    # Rule 3 exclusion — what a stage means
    ("what does Estimate Sent mean", None, "direct"),
    ("when should I move a job to Lost?", None, "direct"),
    ("who can move a job into Production?", None, "direct"),
    ("whats the difference between inspection and estimate sent", None, "direct"),
    # Rule 2 exclusion — what a script should contain
    ("what should a door knock script include?", None, "direct"),
    ("how long should a primer video be", None, "direct"),
    ("what's the structure of a call script", None, "direct"),
    # Rule 1 exclusion — what creating a customer needs
    ("what do I need to add a new customer?", None, "direct"),
    ("how do i enter a lead from a home show", None, "direct"),
    # Rule 1 — new_clients
    ("new lead: Marcus Reyes 214-555-0199 marcus.reyes@gmail.com wants a roof inspection", None, "new_clients"),
    (
        "um so I just met uh Dana Whitfield her number is five five five two one two three four four oh she "
        "wants siding",
        None,
        "new_clients",
    ),
    (
        "ok so knocked on twelve oak street, lady's name is joan pike, she's interested in gutter guards",
        None,
        "new_clients",
    ),
    ("home show lead, Tom and Linda Baker, tom baker at yahoo dot com, want windows", None, "new_clients"),
    ("add her as a customer", None, "new_clients"),
    ("enter him in the crm", None, "new_clients"),
    ("can you set up a new client for me", None, "new_clients"),
    ("create a contact for the Hendersons' property manager, Jill Ames, 303-555-0112", None, "new_clients"),
    ("put this guy in the system: Raj Patel, 4410 Elm Street, 972 555 0134", None, "new_clients"),
    (
        "talked to a homeowner on cedar lane bill ortiz cell is two one four five five five oh one eight "
        "seven storm damage on the back slope",
        None,
        "new_clients",
    ),
    ("referral from the Garcias, Amy Chen, amy chen at outlook dot com", None, "new_clients"),
    (
        "yeah uh new customer, name's pete larson, L A R S O N, number nine seven two, five five five, four "
        "four three two",
        None,
        "new_clients",
    ),
    ("add a homeowner for me, she called in about solar", None, "new_clients"),
    ("got a new lead for you from the parade of homes", None, "new_clients"),
    (
        "uh hey so this is from the home show um guy named rick shaw double five five eight one two oh oh four four",
        None,
        "new_clients",
    ),
    # Rule 2 — scripting
    ("write a voicemail for the Brennan follow up", None, "scripting"),
    ("draft a door knock script for the Wheat Ridge hail area", None, "scripting"),
    ("can you make me a primer video for the Ostrowskis, appointment is Thursday at 4:30", None, "scripting"),
    ("shorten my estimate follow-up script to under a minute", None, "scripting"),
    ("record the primer for the Castillo job in my voice", None, "scripting"),
    ("I need a confirmation call script for tomorrow's appointments", None, "scripting"),
    ("rewrite this script so it sounds less pushy: Hi this is Dana with Brightwater", None, "scripting"),
    ("give me a lost re-engagement script for the Wu family", None, "scripting"),
    ("script out a new lead call for a web lead who wants solar", None, "scripting"),
    ("generate an intro video script for my saturday inspection with the lees", None, "scripting"),
    # Rule 3 — crm
    ("where are we with the Kowalski roof", None, "crm"),
    ("pull up 4410 Elm", None, "crm"),
    ("move Brandt to Contract Signed", None, "crm"),
    ("mark the Nguyen deal lost", None, "crm"),
    ("whats the status on the petersen job", None, "crm"),
    ("who's the rep on the Delgado siding job?", None, "crm"),
    ("how much did the Fishers sign for", None, "crm"),
    ("log a call with Mrs. Alvarez, left a voicemail, try again Thursday", None, "crm"),
    ("add a note to the Haddad job: HOA approval came through", None, "crm"),
    ("reschedule the Lindqvist inspection to next Wednesday at 10", None, "crm"),
    ("book an adjuster meeting for the Park claim on Friday", None, "crm"),
    ("what inspections do I have tomorrow", None, "crm"),
    ("how many jobs are sitting in estimate sent", None, "crm"),
    ("list my leads from the home show", None, "crm"),
    ("who lives at twelve oak street, is that one of ours", None, "crm"),
    ("find the customer with phone 555-302-7719", None, "crm"),
    ("update the Ruiz email to carlos.ruiz@gmail.com", None, "crm"),
    ("reopen the Wu job, they called back", None, "crm"),
    ("what's Priya got on her calendar this week", None, "crm"),
    ("assign the Jensen lead to Luis", None, "crm"),
    ("any estimates older than 30 days that haven't signed?", None, "crm"),
    ("did the Okafors sign yet", None, "crm"),
    ("whats the phone number for the sullivans", None, "crm"),
    ("change the contract amount on the Baptiste job to 18,400", None, "crm"),
    ("put the moreno roof into production", None, "crm"),
    ("the Hendersons went with another company, close it out as lost, reason competitor", None, "crm"),
    ("what's my pipeline look like", None, "crm"),
    ("show me everything Marcus has in Contract Signed", None, "crm"),
    ("is the Abbott install still on for Monday?", None, "crm"),
    ("um can you uh check on the um the yamamoto gutters job", None, "crm"),
    # Rule 4 — analysis
    ("why are we losing deals in Denver?", None, "analysis"),
    ("what do homeowners say about financing on our calls", None, "analysis"),
    ("compare Marcus and Luis on price objections", None, "analysis"),
    ("how often does cost of waiting show up on calls we won", None, "analysis"),
    ("summarize my last call with the Hendersons", None, "analysis"),
    ("whats the sentiment on solar calls lately", None, "analysis"),
    ("which objections do we fail to resolve most", None, "analysis"),
    ("do calls where we use good better best close more often", None, "analysis"),
    ("what's the win rate on calls where the spouse wasn't there", None, "analysis"),
    ("how does Priya handle price objections", None, "analysis"),
    ("top reasons deals were lost last quarter", None, "analysis"),
    ("what are customers asking about most on window calls", None, "analysis"),
    ("how many calls mentioned insurance last month", None, "analysis"),
    # Rule 5 — web_search
    ("what are shingle prices doing right now", None, "web_search"),
    ("how much do other roofers in Plano charge for a tear-off", None, "web_search"),
    ("any hail in Frisco last night?", None, "web_search"),
    ("what's the weather looking like thursday in denver", None, "web_search"),
    ("do I need a permit to replace a roof in Aurora", None, "web_search"),
    ("what are the current solar tax credits in Colorado", None, "web_search"),
    ("are mortgage rates going down", None, "web_search"),
    ("google Apex Roofing reviews", None, "web_search"),
    ("search online for hail reports near Highlands Ranch", None, "web_search"),
    ("what's the going rate for 6 inch gutters in DFW", None, "web_search"),
    ("any news on the shingle tariff", None, "web_search"),
    ("what does Denver building code say about ice and water shield", None, "web_search"),
    ("are there xcel rebates for batteries", None, "web_search"),
    ("can I tell customers what the tax credit is worth?", None, "direct"),
    ("my customer says she got a cheaper quote from Apex Roofing, how do I respond", None, "direct"),
    # Rule 6 — knowledge
    ("search the training docs for anything on ladder safety", None, "knowledge"),
    ("which document talks about deductibles? I want the exact wording", None, "knowledge"),
    ("what's our policy on steep roofs, with sources", None, "knowledge"),
    ("list all the docs you have", None, "knowledge"),
    ("cite where it says estimates are valid for 30 days", None, "knowledge"),
    ("quote me the financing declines section word for word", None, "knowledge"),
    ("show me the source for the discount rules", None, "knowledge"),
    # Rule 7 — triage
    ("Petrov job", None, "triage"),
    ("can you deal with the Sandoval situation", None, "triage"),
    ("take care of the Ito thing please", None, "triage"),
    ("yes go ahead", None, "triage"),
    ("the Abernathys", None, "triage"),
    ("do the usual for the Parks", None, "triage"),
    ("call the jennings back", None, "triage"),
    # Found while probing: near misses that once went to the wrong place
    ("write a thank you note to the Garcias", None, "direct"),
    ("who's the sales manager in denver", None, "direct"),
    ("how do I add a note in the crm", None, "direct"),
    ("what are the steps after contract signed", None, "direct"),
    ("ok so the hendersons at twelve oak street want to reschedule to friday", None, "crm"),
    ("just met a couple at the parade of homes, they want a roof, I'll send details later", None, "new_clients"),
    ("write a primer video for the Lins, their number is 214-555-0100", None, "scripting"),
    ("hey can you put in a lead for me", None, "new_clients"),
    ("add a note that she wants a callback after 5", "new_clients", "new_clients"),
    ("make a primer video for the Kims", "crm", "scripting"),
    # Step 3 — two requests vs one request with a dependent part
    ("move the Patel job to Lost and draft a win-back script for 90 days out", None, "triage"),
    ("what's hail looking like in Arvada this week? also pull up the Dominguez job", None, "triage"),
    ("write a primer video for the Kims and search the docs for our attic access policy", None, "triage"),
    ("summarize my call with the Jacksons and mark them lost", None, "triage"),
    ("add a note to the Franklin job and move it to Production", None, "crm"),
    ("pull up the Garcias' notes and write them a follow-up script based on that", None, "scripting"),
    ("research current shingle prices and use them in a cold call script", None, "scripting"),
    ("what's the stage on the Brandt job and what does that stage mean", None, "crm"),
    # Step 1 — scripting in progress
    ("make the opener shorter", "scripting", "scripting"),
    ("mention the hail storm from last tuesday", "scripting", "scripting"),
    ("put the Kowalski notes in it", "scripting", "scripting"),
    ("read it back in a warmer voice", "scripting", "scripting"),
    ("her name is spelled with two Ls", "scripting", "scripting"),
    ("ok go with version two", "scripting", "scripting"),
    ("how long should a primer video be?", "scripting", "direct"),
    ("do we offer 0% financing?", "scripting", "direct"),
    ("was there hail in Lakewood yesterday?", "scripting", "web_search"),
    ("new lead: Omar Farah 303-555-0190", "scripting", "new_clients"),
    ("what objections come up most on gutter calls?", "scripting", "analysis"),
    # Step 1 — new_clients in progress
    ("spelled S C H U L Z", "new_clients", "new_clients"),
    ("actually make that 214 555 0177", "new_clients", "new_clients"),
    ("lead source is door knock", "new_clients", "new_clients"),
    ("she wants gutters and maybe solar", "new_clients", "new_clients"),
    ("address is twenty six oh eight copper canyon drive plano", "new_clients", "new_clients"),
    ("never mind, scrap it", "new_clients", "new_clients"),
    ("is her address required or just the phone?", "new_clients", "new_clients"),
    ("what stage is the Morales job in?", "new_clients", "crm"),
    ("what's the workmanship warranty on Signature?", "new_clients", "direct"),
    ("now write a primer video script for her appointment thursday", "new_clients", "scripting"),
    # Step 1 — crm in progress
    ("yes", "crm", "crm"),
    ("the one on Maple, not Elm", "crm", "crm"),
    ("actually cancel that", "crm", "crm"),
    ("her new number is 214-555-0177", "crm", "crm"),
    ("what does Contract Signed mean?", "crm", "direct"),
    ("now write a confirmation call script for the Abbotts", "crm", "scripting"),
    ("how should I handle a spouse objection?", "crm", "direct"),
    ("what objections come up most on solar calls?", "crm", "analysis"),
    # Step 1 — analysis in progress
    ("break that down by rep", "analysis", "analysis"),
    ("thanks, super helpful", "analysis", "analysis"),
    ("same thing but for Priya", "analysis", "analysis"),
    ("move the Nguyen job to Estimate Sent", "analysis", "crm"),
    ("what's our warranty transfer policy?", "analysis", "direct"),
    ("how should I handle that objection then?", "analysis", "analysis"),
    ("write a script that handles the top one", "analysis", "scripting"),
    # Step 1 — web_search in progress
    ("what about in Aurora?", "web_search", "web_search"),
    ("can you find a source for that", "web_search", "web_search"),
    ("and for 6 inch?", "web_search", "web_search"),
    ("compare those with what we charge", "web_search", "web_search"),
    ("what do we charge for 6 inch gutters?", "web_search", "direct"),
    ("draft a storm follow-up script for Arvada homeowners", "web_search", "scripting"),
    # Step 1 — knowledge and triage in progress
    ("quote the whole section", "knowledge", "knowledge"),
    ("which one covers transfers then?", "knowledge", "knowledge"),
    ("pull up the Ferreira job", "knowledge", "crm"),
    ("the Dunn one on Elm", "triage", "triage"),
    ("the roof one", "triage", "triage"),
    ("log a call on the Dunn job, no answer", "triage", "crm"),
]


@pytest.mark.parametrize(("text", "active", "expected"), OWN, ids=[f"{a or '-'}:{t[:60]}" for t, a, _ in OWN])
def test_own_case(text, active, expected):
    assert label(route(text, active)) == expected


# Held-out batches: written from the rules after the first version of the router passed the set above, run once
# before any fix to measure generalization (see the report), then kept as regressions.
HELD_OUT = [
    # batch 1 — everyday phrasing
    ("yo", None, "direct"),
    ("thank u so much!!", None, "direct"),
    ("good night hard-e", None, "direct"),
    ("what kind of stuff can you do", None, "direct"),
    ("are you a robot", None, "direct"),
    ("whats the warranty on gutter guards", None, "direct"),
    ("do we finance solar batteries", None, "direct"),
    ("what credit score do you need for same as cash", None, "direct"),
    ("is fiber cement more expensive than vinyl", None, "direct"),
    ("how much for a 30 square preferred roof", None, "direct"),
    ("can we waive the deductible if the customer asks", None, "direct"),
    ("what do i do if a customer wants a today only price", None, "direct"),
    ("how do I explain the enhanced system warranty to a homeowner", None, "direct"),
    ("what's a good response to i need to think about it", None, "direct"),
    ("customer says the other guy was 3 grand cheaper how do i respond", None, "direct"),
    ("help me write a text to confirm tomorrows appointment", None, "direct"),
    ("write an email reply thanking a customer for the referral", None, "direct"),
    ("whats the lead stage for", None, "direct"),
    ("when does a job go to completed", None, "direct"),
    ("what info do I need to get from a homeowner at a door knock", None, "direct"),
    ("what should i say in the primer video about decision makers", None, "direct"),
    ("what are office hours in denver", None, "direct"),
    ("how many photos do we need for storm work", None, "direct"),
    ("what's the difference between series 300 and 500", None, "direct"),
    ("new customer: Harold Finch, 469-555-0123, 88 Ridgeview Court, wants a roof inspection", None, "new_clients"),
    (
        "so um just left the Parade of Homes, met a couple, Jorge and Ana Silva, um his cell is four six "
        "nine five five five oh one two two, theyre thinking solar",
        None,
        "new_clients",
    ),
    ("please add Wendy Cho as a lead, wendy cho at gmail dot com", None, "new_clients"),
    ("can you create a new customer record", None, "new_clients"),
    ("I got another lead", None, "new_clients"),
    (
        "knocked on 1420 Juniper Lane, homeowner Gary Stokes, 214 555 0148, hail damage on the north slope",
        None,
        "new_clients",
    ),
    ("enter a new homeowner for me: Lucy Grant, 720-555-0199", None, "new_clients"),
    (
        "okay so new lead uh brian oconnor number seven two oh five five five three three one nine email "
        "brian at oconnor family dot net",
        None,
        "new_clients",
    ),
    ("make a new contact for Stan at 303-555-0101", None, "new_clients"),
    ("add the neighbor as a customer too, Rita Moss, rita at moss dot com", None, "new_clients"),
    ("write me a door knocking script for after tonights storm", None, "scripting"),
    ("need a voicemail script for estimate follow ups", None, "scripting"),
    ("draft the primer video for my 3pm tomorrow with the Hallorans", None, "scripting"),
    ("can you voice the Nakamura primer", None, "scripting"),
    ("make my appointment confirmation script shorter", None, "scripting"),
    ("gimme a quick cold call script for solar leads", None, "scripting"),
    (
        "turn these notes into a follow-up call script: wife worried about price, wants 6 inch gutters",
        None,
        "scripting",
    ),
    ("generate a pre-appointment video for the Bakers", None, "scripting"),
    ("what stage is 88 Ridgeview Court in", None, "crm"),
    ("who's assigned to the Whitaker windows", None, "crm"),
    ("what did we quote the Lombardis", None, "crm"),
    ("move the Castillo job to inspection", None, "crm"),
    ("mark Henderson as lost, went with a competitor", None, "crm"),
    ("add note to Gomez: wants to wait until spring", None, "crm"),
    ("log a visit at the Tran house today, measured 32 squares", None, "crm"),
    ("schedule an inspection with the Blakes for saturday at 10", None, "crm"),
    ("cancel my 2pm appointment", None, "crm"),
    ("push the Novak install to next week", None, "crm"),
    ("how many leads came in this week", None, "crm"),
    ("what appointments does Luis have tomorrow", None, "crm"),
    ("which estimates did I send last week", None, "crm"),
    ("list every job in production", None, "crm"),
    ("who do i have appointments with today", None, "crm"),
    ("did Marcus close anything this month", None, "crm"),
    ("whats the email on file for the Harringtons", None, "crm"),
    ("any notes on the Kaplan job", None, "crm"),
    ("change the phone on the Ivanov account to 303-555-0177", None, "crm"),
    ("bring up the Fitzgerald file", None, "crm"),
    ("where do we stand with Okonkwo", None, "crm"),
    ("whats the latest on the Soto siding", None, "crm"),
    ("the Delaneys signed! move them to contract signed", None, "crm"),
    ("how many jobs did we lose in march", None, "crm"),
    ("what are the most common objections on solar calls", None, "analysis"),
    ("why do homeowners pick us over competitors", None, "analysis"),
    ("what do customers complain about on calls", None, "analysis"),
    ("which reps use the monthly payment reframe the most", None, "analysis"),
    ("how does Dana open her calls compared to Marcus", None, "analysis"),
    ("what did the homeowner say about price in my call with the Reeds", None, "analysis"),
    ("how often do spouse objections come up", None, "analysis"),
    ("which techniques work best against price objections on our calls", None, "analysis"),
    ("whats our win rate when we send a primer video", None, "analysis"),
    ("give me a summary of yesterdays calls", None, "analysis"),
    ("are customers more positive on metal roof calls", None, "analysis"),
    ("what are asphalt shingle prices in texas right now", None, "web_search"),
    ("how is Summit Exteriors reviewed", None, "web_search"),
    ("any storms coming to dallas this weekend", None, "web_search"),
    ("did it hail in mckinney last week", None, "web_search"),
    ("whats the federal solar tax credit this year", None, "web_search"),
    ("look up online what permits cost in Frisco", None, "web_search"),
    ("what's lumber going for these days", None, "web_search"),
    ("what are competitors charging for gutter guards in denver", None, "web_search"),
    ("does plano require a permit for gutter replacement", None, "web_search"),
    ("what's the prime rate right now", None, "web_search"),
    ("search our knowledge base for HOA rules", None, "knowledge"),
    ("what doc has the financing plans? link it", None, "knowledge"),
    ("find me the section in the playbook about trust objections and quote it", None, "knowledge"),
    ("what documents do you have access to", None, "knowledge"),
    ("give me the discount policy with a source", None, "knowledge"),
    ("Hargrove", None, "triage"),
    ("the Yoon job?", None, "triage"),
    ("I need help with a customer", None, "triage"),
    ("fix the Ramirez thing", None, "triage"),
    ("go ahead", None, "triage"),
    ("yep send it", None, "triage"),
    ("look into the Brooks situation for me", None, "triage"),
    ("keep going", None, "triage"),
    ("mark the Vance job lost and tell me what objections come up most on lost calls", None, "triage"),
    ("add Jane Roe 555-201-3344 as a lead and check if there was hail on her street last week", None, "triage"),
    ("whats the stage on the Ellis job? and write me a voicemail for them", None, "triage"),
    ("pull the weather for Aurora tomorrow and reschedule the Kim inspection if its raining", None, "triage"),
    ("look up current permit fees in Arvada and put them in a script for the Ortiz follow-up", None, "scripting"),
    ("log a call on the Perez job and move it to estimate sent", None, "crm"),
    ("write a primer video for the Lins and a confirmation script too", None, "scripting"),
    ("change mrs to ms", "scripting", "scripting"),
    ("too long, cut it to 45 seconds", "scripting", "scripting"),
    ("can you say the storm was on june 3rd", "scripting", "scripting"),
    ("perfect", "scripting", "scripting"),
    ("what's our repeat customer discount?", "scripting", "direct"),
    ("how many jobs are in production right now?", "scripting", "crm"),
    ("what's the weather in Golden tomorrow", "scripting", "web_search"),
    ("his last name is Oyelaran, O Y E L A R A N", "new_clients", "new_clients"),
    ("phone is two one four five five five oh one four four", "new_clients", "new_clients"),
    ("123 main st, plano tx 75024", "new_clients", "new_clients"),
    ("he wants to be called after 5", "new_clients", "new_clients"),
    ("no wait, its Jon without the h", "new_clients", "new_clients"),
    ("do it", "new_clients", "new_clients"),
    ("what are the required fields for a new customer?", "new_clients", "direct"),
    ("log a call on the Fuller job, left voicemail", "new_clients", "crm"),
    ("no, the other Smith", "crm", "crm"),
    ("estimate sent", "crm", "crm"),
    ("also add a note that she has a dog", "crm", "crm"),
    ("cool thanks", "crm", "crm"),
    ("what does Estimate Sent mean?", "crm", "direct"),
    ("was there hail in plano yesterday", "crm", "web_search"),
    ("show me the actual quotes", "analysis", "analysis"),
    ("how many of those were in Texas?", "analysis", "analysis"),
    ("which rep had the most?", "analysis", "analysis"),
    ("add a note to the Shah job: sent estimate", "analysis", "crm"),
    ("what's the minimum for a gutter job?", "analysis", "direct"),
    ("is that before or after the rebate?", "web_search", "web_search"),
    ("what about colorado springs", "web_search", "web_search"),
    ("thanks!", "web_search", "web_search"),
    ("which calls mention hail the most?", "web_search", "analysis"),
    ("what does section 2 say exactly", "knowledge", "knowledge"),
    ("the warranty one", "knowledge", "knowledge"),
    ("the Dunn roof, it's the billing thing", "triage", "triage"),
    ("it's about their estimate", "triage", "triage"),
    # batch 2 — no punctuation, typos, voice memos
    (
        "hey so i just talked to a lady named gloria banks at the home show her email is gloria banks at "
        "hotmail dot com and shes looking at windows",
        None,
        "new_clients",
    ),
    (
        "new lead uh carl jensen uh number is seven two oh five five five double four one two he wants a metal roof",
        None,
        "new_clients",
    ),
    (
        "door knock on forty two hundred elm avenue guy named ted his number nine seven two five five five "
        "one one two two",
        None,
        "new_clients",
    ),
    ("ok add a lead mike torres 2145550188", None, "new_clients"),
    (
        "i met a homeowner today on maple who wants gutters can you put her in leap, its anne wu 303 555 0122",
        None,
        "new_clients",
    ),
    ("create customer sara lind, sara@lind.io", None, "new_clients"),
    ("wheres the kowalski roof at", None, "crm"),
    ("whos got the brandt job", None, "crm"),
    ("pull up kowalski", None, "crm"),
    ("pul up the nguyen acount", None, "crm"),
    ("move brandt to contract signed please", None, "crm"),
    ("mark nguyen lost reason price", None, "crm"),
    ("whats on my schedule tmrw", None, "crm"),
    ("what time is my appointment with the Garzas", None, "crm"),
    ("how many estimates has priya sent this month", None, "crm"),
    ("can u log that i called the hills and no answer", None, "crm"),
    ("set the Yates install for the 14th", None, "crm"),
    ("who's at 2608 copper canyon drive", None, "crm"),
    ("is 214-555-0187 already in the crm", None, "crm"),
    ("whats the contract amount for the Moyers", None, "crm"),
    ("i need the address for the Clarks", None, "crm"),
    ("reopen Wu into estimate sent", None, "crm"),
    ("write a script for calling back the wu family", None, "scripting"),
    ("can you record a voicemail script in my voice for the Garcias", None, "scripting"),
    ("i need a primer for my thursday appt with the patels", None, "scripting"),
    ("draft a storm follow up script mention the may 12 hail", None, "scripting"),
    ("whats a good length for a voicemail", None, "direct"),
    ("should the primer video mention price", None, "direct"),
    ("what do i say when they ask if insurance will cover it", None, "direct"),
    ("how do i close a customer whos on the fence", None, "direct"),
    ("whats fixed 180", None, "direct"),
    ("how does same as cash work", None, "direct"),
    ("do we install skylights", None, "direct"),
    ("what's our review rating", None, "direct"),
    ("can a job go from lost back to estimate sent", None, "direct"),
    ("whats the lost reason list", None, "direct"),
    ("what's the required info for a new lead", None, "direct"),
    ("what objections do we hear the most", None, "analysis"),
    ("whats working on price objections on our calls lately", None, "analysis"),
    ("how did luis handle the spouse thing on his calls last week", None, "analysis"),
    ("do customers bring up financing more on solar or roofing calls", None, "analysis"),
    ("what percent of calls mention insurance", None, "analysis"),
    ("what did the Reeds say on the call about timing", None, "analysis"),
    ("why did we lose so many deals to competitors in april", None, "analysis"),
    ("hows the hail looking in denver today", None, "web_search"),
    ("any hail reported near plano", None, "web_search"),
    ("what does frisco charge for a reroof permit", None, "web_search"),
    ("what's owens corning duration going for at abc supply", None, "web_search"),
    ("is there a rebate for energy star windows in colorado", None, "web_search"),
    ("search the web for new roofing regulations in texas", None, "web_search"),
    ("what are average solar prices per watt in texas", None, "web_search"),
    ("what do we charge per watt for solar", None, "direct"),
    ("whats our price on 6 inch gutters", None, "direct"),
    ("which training doc explains test squares", None, "knowledge"),
    ("search the kb for deductible rules", None, "knowledge"),
    ("can you show me where the docs say we never waive deductibles", None, "knowledge"),
    ("give me sources for the 48 hour estimate rule", None, "knowledge"),
    ("whitman", None, "triage"),
    ("ok do it", None, "triage"),
    ("the Lee's", None, "triage"),
    ("need you to handle the Ocampo mess", None, "triage"),
    ("something's up with the Pruitt job can you help", None, "triage"),
    ("thx", None, "direct"),
    ("morning team", None, "direct"),
    ("lol ok", None, "direct"),
    ("whats up", None, "direct"),
    ("log a call with the ortegas and what are permits in lakewood running", None, "triage"),
    ("new customer jill ames 303 555 0112 and also write her a primer video", None, "triage"),
    ("check the hail map for arvada and draft a door knock script for those streets", None, "scripting"),
    ("make it more casual", "scripting", "scripting"),
    ("no thats too salesy", "scripting", "scripting"),
    ("swap in the Signature package instead of Preferred", "scripting", "scripting"),
    ("what's the Preferred warranty again", "scripting", "direct"),
    ("pull up the Ocampo job", "scripting", "crm"),
    ("double check her email, it's a n n a at gmail dot com", "new_clients", "new_clients"),
    ("she's in aurora", "new_clients", "new_clients"),
    ("how many jobs are in lost", "new_clients", "crm"),
    ("yes move it", "crm", "crm"),
    ("wait which job was that", "crm", "crm"),
    ("what are current shingle prices in denver", "crm", "web_search"),
    ("sort by date", "analysis", "analysis"),
    ("can you summarize the top three", "analysis", "analysis"),
    ("and what about windows", "web_search", "web_search"),
    ("write a primer video script for the Ostrowski appointment", "knowledge", "scripting"),
    # batch 3 — near misses and exclusions
    ("whats the workmanship warranty on siding", None, "direct"),
    ("can i offer the military discount and 5% off together", None, "direct"),
    ("is there a financing markup", None, "direct"),
    ("explain deferred interest on same as cash", None, "direct"),
    ("what's the adder for a 10/12 roof", None, "direct"),
    ("how do we handle hoa approval", None, "direct"),
    ("hey quick q do we do roof repairs", None, "direct"),
    ("best way to get both spouses at the appointment?", None, "direct"),
    ("what should i do if nobody answers after 6 calls", None, "direct"),
    ("what's a primer video", None, "direct"),
    ("write a post for nextdoor about hail season", None, "direct"),
    ("give me a short text to send a homeowner who went quiet", None, "direct"),
    ("what's the difference between full-frame and insert windows", None, "direct"),
    ("cheers mate", None, "direct"),
    ("sup", None, "direct"),
    (
        "um new lead uh her name is patty oneil o apostrophe n e i l um number is two one four five five "
        "five three two one oh and she wants gutter guards",
        None,
        "new_clients",
    ),
    (
        "homeowner at six twenty one birch lane named ray kim wants a roof inspection add him please",
        None,
        "new_clients",
    ),
    ("set up a new customer for the Taylors on Oak", None, "new_clients"),
    ("new client! Priscilla Vogel, pvogel@outlook.com, 303-555-0161, referred by the Nguyens", None, "new_clients"),
    ("i need to add a customer", None, "new_clients"),
    ("please enter this homeowner: Greg Liu 972.555.0134", None, "new_clients"),
    ("write an appointment confirmation script for the Vogels", None, "scripting"),
    ("can you do a primer video for tomorrow's 10am with the Hales", None, "scripting"),
    ("draft a script to call back leads that went cold", None, "scripting"),
    ("rewrite my voicemail so it's under 25 seconds", None, "scripting"),
    ("i want a door knock script that mentions last weeks hail", None, "scripting"),
    ("where are we on the liu windows", None, "crm"),
    ("what's the status of 621 birch lane", None, "crm"),
    ("did anyone call the Vogels back", None, "crm"),
    ("note on the Hale job: dog is friendly, gate code 4412", None, "crm"),
    ("move the Taylors to appointment set for thursday 4pm", None, "crm"),
    ("the Liu job is lost, they went with Apex", None, "crm"),
    ("how many appointments do i have this week", None, "crm"),
    ("which of Ben's jobs are in production", None, "crm"),
    ("who has the most contracts signed this month", None, "crm"),
    ("show me all my open estimates", None, "crm"),
    ("get me the Hale's phone number", None, "crm"),
    ("what are the top objections when we lose to a competitor", None, "analysis"),
    ("how do top performers handle the i need to think about it objection on calls", None, "analysis"),
    ("what percentage of won deals used the monthly payment reframe", None, "analysis"),
    ("compare how Priya and Dana present financing", None, "analysis"),
    ("what are homeowners worried about on solar calls", None, "analysis"),
    ("give me a summary of the call with the Vogels", None, "analysis"),
    ("does mentioning the warranty help close deals on calls", None, "analysis"),
    ("was there a hailstorm in plano on may 3", None, "web_search"),
    ("what's the hail forecast for this weekend in denver", None, "web_search"),
    ("whats the going rate for roof inspections around here", None, "web_search"),
    ("what does Apex charge per square", None, "web_search"),
    ("what are people saying about Lone Star Roofing online", None, "web_search"),
    ("are there any new energy tax incentives for windows", None, "web_search"),
    ("what permits does Lakewood need for solar", None, "web_search"),
    ("what's the current 30 year mortgage rate", None, "web_search"),
    ("search the docs for the 48 hour rule", None, "knowledge"),
    ("which policy covers repeat customer discounts? cite it", None, "knowledge"),
    ("show me the doc on storm inspections", None, "knowledge"),
    ("what does our warranty policy doc say word for word about transfers", None, "knowledge"),
    ("Vogel", None, "triage"),
    ("the Hales", None, "triage"),
    ("can you help me with the Liu situation", None, "triage"),
    ("do that again", None, "triage"),
    ("same for the Taylors", None, "triage"),
    ("i've got a problem with a job", None, "triage"),
    ("move the Hale job to estimate sent and what's the weather tomorrow in Golden", None, "triage"),
    ("new lead Tina Cruz 214-555-0190 and write her a primer video for saturday", None, "triage"),
    ("what do customers say about metal roofs on our calls, also what are metal roof prices doing", None, "triage"),
    ("shorter please", "scripting", "scripting"),
    ("can you change the date to the 14th", "scripting", "scripting"),
    ("sounds good, record it", "scripting", "scripting"),
    ("what's the weather in plano friday", "scripting", "web_search"),
    ("her cell is 972 555 0111", "new_clients", "new_clients"),
    ("and she's a referral from the Hales", "new_clients", "new_clients"),
    ("what's the gutter minimum?", "new_clients", "direct"),
    ("cancel", "crm", "crm"),
    ("put it in Lost instead", "crm", "crm"),
    ("which reps had the most?", "analysis", "analysis"),
    ("what about for windows", "analysis", "analysis"),
    ("how about fiber cement?", "web_search", "web_search"),
    ("pull the transcripts behind that", "analysis", "analysis"),
    ("find the Vogel job", "web_search", "crm"),
]



@pytest.mark.parametrize(("text", "active", "expected"), HELD_OUT, ids=[f"{a or '-'}:{t[:60]}" for t, a, _ in HELD_OUT])
def test_held_out_case(text, active, expected):
    assert label(route(text, active)) == expected


def test_empty_and_whitespace_go_direct():
    assert route("") == Route("direct", None, route("").reason)
    assert route("   \n ").flow == "direct"


def test_unknown_workflow_is_treated_as_none():
    assert label(route("hi", "billing")) == "direct"
    assert label(route("what stage is the Morales job in?", "billing")) == "crm"


def test_every_agent_route_names_a_known_agent_and_direct_has_none():
    for text, active, _ in OWN + PAIRS + HELD_OUT:
        r = route(text, active)
        assert (r.flow == "direct" and r.agent is None) or (r.flow == "agents" and r.agent in AGENTS)


def test_reason_never_echoes_the_message():
    r = route("new lead Zebulon Quartermaine 555-404-1212")
    assert "zebulon" not in r.reason.lower() and r.reason


def test_long_dictated_input_is_routed_quickly():
    start = time.perf_counter()
    route("five oh " * 2000)
    route("so um the Hendersons want to talk about the warranty and uh " * 100)
    assert time.perf_counter() - start < 2


# --- Robustness pass --------------------------------------------------------------------------------------------
# Unseen sets: messages written from docs/ROUTING_GUIDE.md, each batch labelled before the router was run on it
# (and, from batch 4 on, before the router's code was read). Each batch was measured once, its misses were traced to
# root causes, and the rules were fixed; all rows pass now. Rows with an "ambiguous" field are where the guide leaves
# room and a tie-break was applied.
# - routing_unseen.jsonl: 412 messages in three batches (batch 1: 262, batch 2: 94, batch 3: 56); 8 ambiguous (~2%).
# - routing_unseen_batch4.jsonl: 250 messages, 74 with a workflow in progress; 10 ambiguous (4%); 91.2% before fixes.
# - routing_unseen_batch5.jsonl: 250 messages from a wider range of writers (managers, office staff, new reps,
#   fragments, dictation, pasted emails and texts, customers' names around policy questions), 79 with a workflow in
#   progress; 12 ambiguous (5%); 90.4% before fixes.
# - routing_unseen_batch6.jsonl: 300 messages modelled on the public examples (length, tone, label mix), covering each
#   rule, exception and contrasting pair of the guide with close variants and near misses, 93 with a workflow in
#   progress; 7 ambiguous (2%); 94.7% before fixes (95.2% on the rows not marked ambiguous).
# - routing_unseen_batch7.jsonl: 300 messages on threads with a workflow in progress (182, all seven agents: answers,
#   messy details, edits, confirmations, questions about the result, both exceptions with near misses) and on how
#   customers are named without one (surnames opening a message, names that are words or places, job numbers, bare
#   addresses, "her" with no context); 14 ambiguous (5%); 90.0% before fixes (90.9% on the rows not marked
#   ambiguous; 95.6% with a workflow, 81.4% without). One ambiguous row still misses: b7-043 ("book her for an
#   inspection ..." in new_clients) was given crm, where b5-205 and b6-297 gave the same pattern new_clients.
DATA = Path(__file__).parent / "data"
UNSEEN_SETS = {"batches1-3": DATA / "routing_unseen.jsonl", "batch4": DATA / "routing_unseen_batch4.jsonl",
               "batch5": DATA / "routing_unseen_batch5.jsonl", "batch6": DATA / "routing_unseen_batch6.jsonl",
               "batch7": DATA / "routing_unseen_batch7.jsonl"}
# Every row passes today, so this is a regression guard, not a generalization claim (fresh batches scored 88-95%
# before their fixes). The floor leaves room for the ambiguous rows to flip under a rule change that is defensible
# under the guide, plus about 1% of slack; anything worse is a real regression.
UNSEEN_MIN_ACCURACY = 0.97


def load_unseen(name: str | None = None) -> list[dict]:
    paths = [UNSEEN_SETS[name]] if name else list(UNSEEN_SETS.values())
    return [json.loads(line) for path in paths for line in path.read_text().splitlines() if line.strip()]


def test_unseen_ids_are_unique_across_sets():
    rows = load_unseen()
    assert len({r["id"] for r in rows}) == len(rows)


@pytest.mark.parametrize("name", UNSEEN_SETS)
def test_unseen_set_is_well_formed(name):
    rows = load_unseen(name)
    assert len(rows) >= 150 and len({r["id"] for r in rows}) == len(rows)
    for r in rows:
        assert r["active_workflow"] in (None, *AGENTS)
        assert (r["expected_flow"], r["expected_agent"] is None) in (("direct", True), ("agents", False))
        assert r["expected_agent"] in (None, *AGENTS)


@pytest.mark.parametrize("name", UNSEEN_SETS)
def test_unseen_set_accuracy(name):
    rows = load_unseen(name)
    failures = []
    for r in rows:
        got = route(r["text"], r["active_workflow"])
        if (got.flow, got.agent) != (r["expected_flow"], r["expected_agent"]):
            want = r["expected_agent"] or "direct"
            failures.append(f"  {r['id']} [{r['active_workflow'] or '-'}] want {want}, got {label(got)} "
                            f"({got.reason}): {r['text']!r}")
    accuracy = 1 - len(failures) / len(rows)
    assert accuracy >= UNSEEN_MIN_ACCURACY, (
        f"accuracy {accuracy:.3f} < {UNSEEN_MIN_ACCURACY} on {len(rows)} unseen messages; failures:\n"
        + "\n".join(failures))


# One group per root cause found on the unseen set; new phrasings (not rows of the set), with guards that must not
# move. (message, active workflow, label)
D = "direct"
ROOT_CAUSES = {
    # Acknowledgements beyond "thanks" ("that helps", "good to know") read as a vague ask (triage).
    "acknowledgements": [
        ("thanks, that helps", None, D),
        ("that worked, thank you!", None, D),
        ("super helpful 🙏", None, D),
        ("good to know, thx", None, D),
        ("makes sense", None, D),
        ("will do", "scripting", "scripting"),  # in a workflow it answers the agent
        ("that helps with the Garcia quote", None, "crm"),
    ],
    # Slack markup, links and emoji were read as words: "en-us" in a URL counted as "us" (our own prices),
    # an emoji or :shortcode: made a greeting look like an unknown name (triage).
    "slack_markup": [
        (":wave: morning all", None, D),
        ("thanks!! 🙌🙌", None, D),
        ("<!here> good morning team", None, D),
        ("what's the current price on these? https://www.gaf.com/en-us/roofing-products/timberline", None, "web_search"),
        ("see <https://docs.google.com/document/d/abc|this doc> — which doc covers ridge vents? quote it", None, "knowledge"),
        ("<@U0123ABC> pull up the Fenwick job 🙏", None, "crm"),
    ],
    # Chat shorthand was not expanded: "help w the X thing", "w/ the", "vm", "vid", "thru", "rn", "diff btwn".
    "chat_shorthand": [
        ("can u help w the Oyelaran situation", None, "triage"),
        ("log a call w/ the Dorseys, lvm", None, "crm"),
        ("make a primer vid for the Castros thurs", None, "scripting"),
        ("diff btwn estimate sent and contract signed?", None, D),
        ("whats lumber going for rn", None, "web_search"),
        ("knocked on 1400 W Colfax Ave, Jo Park, 303-555-0111, wants gutters", None, "new_clients"),
    ],
    # Small talk was a closed word list: praise, reactions and day greetings fell through to triage.
    "small_talk": [
        ("you're a rockstar", None, D),
        ("ur the best", None, D),
        ("that's hilarious lol", None, D),
        ("happy thursday everyone", None, D),
        ("hope you had a good weekend", None, D),
    ],
    # How things are done in general read as a record operation: "should I", "usually", "a lead" (hypothetical).
    "generic_process_question": [
        ("how many appointments should I be setting a week", None, D),
        ("how long does a job usually stay in inspection", None, D),
        ("should I log a call every time I text a customer?", None, D),
        ("what happens when a lead goes cold for 60 days", None, D),
        ("who should I reassign my leads to when I'm on vacation", None, D),
        # still records: a schedule anchor, a named customer, a plain count
        ("which jobs should I follow up on today", None, "crm"),
        ("should I move the Brandt job to lost?", None, "crm"),
        ("how many jobs are in production", None, "crm"),
    ],
    # "calls" as a verb, or calls to make, is not the transcript corpus.
    "calls_as_verb": [
        ("after contract signed, who calls the homeowner to schedule?", None, D),
        ("how many call attempts before I give up on a lead", None, D),
        ("what do customers say about scheduling on our calls", None, "analysis"),
    ],
    # The "question about a named customer" fallback ignored the writing-help exclusion.
    "writing_help_for_named_customer": [
        ("could you write a text for the Abernathys saying the crew starts monday", None, D),
        ("can you draft an email to the Lindqvists thanking them for the referral", None, D),
    ],
    # Script requests the narrow verb window missed; questions about practice that it caught.
    "script_requests": [
        ("I need something I can read on the phone for expired estimates, like a script, 30 sec max", None, "scripting"),
        ("we could use a talk track for the home show booth", None, "scripting"),
        ("tweak my confirmation script so it mentions parking", None, "scripting"),
        ("I want to send the Okafors a video before their inspection friday", None, "scripting"),
        ("I want to know what a door knock script should cover", None, D),
        ("do we send a video before every appointment?", None, D),
        ("update the Kim job: left a voicemail, will try friday", None, "crm"),
    ],
    # CRM phrasings: "follow up" with a space, "log:" notes, call outcomes, "do I have ...", "what's X got".
    "crm_phrasing": [
        ("set up a follow up call with the Bakers for tuesday", None, "crm"),
        ("log: no answer at the Reeds, try again tomorrow", None, "crm"),
        ("spoke with mrs. Vance, she wants to wait for the insurance check", None, "crm"),
        ("do I have an install thursday", None, "crm"),
        ("what's Luis got this week", None, "crm"),
        ("search the web for Summit Roofing complaints", None, "web_search"),
    ],
    # Analysis phrasings: win/lose more when..., -ing verbs for rep behaviour, quantifiers, ways of saying lost.
    "analysis_phrasing": [
        ("do we close more when the homeowner has storm damage photos?", None, "analysis"),
        ("show me reps using the cost of waiting on their calls", None, "analysis"),
        ("what do a lot of homeowners complain about on window calls", None, "analysis"),
        ("main reasons customers chose someone else this quarter", None, "analysis"),
    ],
    # Outside information named without the usual keywords.
    "web_phrasing": [
        ("how much is the 25D credit worth for batteries", None, "web_search"),
        ("does the city of Aurora allow roof overs?", None, "web_search"),
        ("what are 30 year fixed rates doing", None, "web_search"),
        ("how are tariffs affecting aluminum gutter prices", None, "web_search"),
        ("what interest rate is the 15-year loan?", None, D),
        ("do we require a deposit in texas", None, D),
    ],
    # Knowledge phrasings: where in a doc, whether a doc exists, send a doc, quote the part.
    "knowledge_phrasing": [
        ("where in the handbook does it talk about ladder tie-offs", None, "knowledge"),
        ("do we have a write-up on HOA approvals?", None, "knowledge"),
        ("send me the playbook", None, "knowledge"),
        ("quote the part about ridge vents", "knowledge", "knowledge"),
        ("do we have any materials left over from the Kline job", None, "crm"),
    ],
    # Triage: a matter named only vaguely, "do the same for", but not topics or idioms.
    "triage_vague_matter": [
        ("the Halloran thing?", None, "triage"),
        ("can you look at that thing from yesterday", None, "triage"),
        ("do the same for the Ostrowskis", None, "triage"),
        ("what's the deal with the warranty stuff on metal roofs", None, D),
    ],
    # Step 3: requests separated by "+", "/", a dash or a new line.
    "step3_separators": [
        ("move the Ito job to production + what's the weather in Golden friday", None, "triage"),
        ("pull up the Vance job / google hail reports for Parker", None, "triage"),
        ("new lead Al Bo 303-555-0101\nalso what objections come up on solar calls", None, "triage"),
        ("new lead - Al Bo - 303-555-0101 - wants gutters", None, "new_clients"),
    ],
    # Step 1: the request after an acknowledgement or a declared change of subject; statements about the person
    # in the work; "this month" is not a reference to the work; directives and "which ones" are about the work.
    "step1_followups": [
        ("love it. unrelated question, what's the Fixed 120 rate?", "scripting", D),
        ("great thanks — different topic, when does a job go to completed", "crm", D),
        ("nvm, how does same as cash work", "new_clients", D),
        ("new customer from the same street: Bo Diaz 720-555-0133", "scripting", "new_clients"),
        ("he found us on google", "new_clients", "new_clients"),
        ("they saw our ad online", "new_clients", "new_clients"),
        ("what's the promo this month?", "crm", D),
        ("can you show the ones about gutters", "knowledge", "knowledge"),
        ("which ones went to Apex?", "analysis", "analysis"),
        ("btw her number is 303-555-0144", "scripting", "scripting"),
        ("thanks, that's great", "scripting", "scripting"),
    ],
    # --- batch 4 ---
    # Farewells were missing from small talk ("night", "talk tomorrow"), so they fell through to triage.
    "farewells": [
        ("gn all", None, D),
        ("heading out, see you tomorrow", None, D),
        ("catch ya later", None, D),
        ("talk to you monday", None, D),
        ("good night", "scripting", "scripting"),
    ],
    # Writing help only knew write/draft/word: cleaning up, proofreading or answering a text, email or review went to
    # triage ("clean up" is a vague action) or web_search ("google review"). A customer who replied is still a record.
    "writing_help_edits": [
        ("can you proofread this text before I send it to the Hills: running 20 min late", None, D),
        ("polish my reply to this yelp review", None, D),
        ("edit my email to the Kims so it sounds friendlier", None, D),
        ("help me answer this text from a homeowner asking if we're still coming", None, D),
        ("did the Hills reply to my text?", None, "crm"),
        ("did the Pruitts ever open the estimate email?", None, "crm"),
        ("write a voicemail script for the Hills", None, "scripting"),
    ],
    # Ordinary words read as customers' names: "the class 4 shingle" and "the transfers section" as families, "the
    # steep roof policy" as a customer's roof, "steep adder?" as a bare name, "fixed 180" as a house number.
    "ordinary_words_as_names": [
        ("is the glass on series 500 triple pane", None, D),
        ("quote me the deposits section from the pricing doc", None, "knowledge"),
        ("is there a steep roof adder on the Signature package?", None, D),
        ("fixed 120 apr?", None, D),
        ("series 500 price?", None, D),
        ("is the class 4 upgrade worth it for a customer in Aurora", None, D),
        ("the Nguyens?", None, "triage"),
        ("the 4410 one", None, "triage"),
        ("what stage is the Bass job in", None, "crm"),
        ("what's the status on the Bass roof", None, "crm"),
    ],
    # Our own plans and packages by name are ours, like "we"/"our": "right now" does not make them outside news.
    "our_plans_by_name": [
        ("what's the same as cash promo rate right now", None, D),
        ("what's the Signature package going for these days", None, D),
        ("what are shingle prices in Denver right now", None, "web_search"),
        ("are tariffs pushing Signature shingle prices up", None, "web_search"),
    ],
    # Which value to record in the CRM ("which lost reason do I pick") is the CRM's rules, not why deals were lost;
    # "the cheaper bid" is not a customer's bid.
    "crm_value_choice": [
        ("which lost reason goes on it when they picked another company", None, D),
        ("what lost reason do I choose if the homeowner chose to wait", None, D),
        ("what lost reason should I put when they went with the cheaper bid", None, D),
        ("what stage do I put a job in when the adjuster hasn't come yet", None, D),
        ("what are the top reasons we lose deals to competitors", None, "analysis"),
        ("what are the top lost reasons this quarter on our calls", None, "analysis"),
    ],
    # "quote it to customers" is what to tell a customer, not a request to quote a document.
    "quote_to_customer": [
        ("can I quote the 4.8 star rating to homeowners?", None, D),
        ("our workmanship warranty is 25 years on metal, can I quote that to homeowners", None, D),
        ("is it ok to quote it for customers over the phone", None, D),
        ("quote the section on transfers", None, "knowledge"),
        ("cite the doc that covers it", None, "knowledge"),
    ],
    # What a named customer said, asked or pushed back on in a call is the transcripts', not a CRM lookup.
    "one_call_content": [
        ("what did the Vasquez family worry about on their call", None, "analysis"),
        ("did Raj raise the HOA on his call last week?", None, "analysis"),
        ("summarize what Kevin Ashford asked during the call", None, "analysis"),
        ("log a call with Raj, he asked about the HOA", None, "crm"),
        ("spoke with the Vances on the call, she said they'll wait", None, "crm"),
        ("add a note from my call with the Hills: she's worried about price", None, "crm"),
        ("what did the adjuster say on the Salas claim", None, "crm"),
    ],
    # Another company named like a customer ("what Apex is charging"), a company's website, and "where are X rates
    # at" (a topic, not a record) went to crm.
    "other_companies_and_topics": [
        ("how much is Apex charging for gutter guards", None, "web_search"),
        ("pull up Summit's website and see what warranty they offer", None, "web_search"),
        ("where are interest rates at these days", None, "web_search"),
        ("where are lumber prices at", None, "web_search"),
        ("how much are we charging the Hills", None, "crm"),
        ("where's the Pruitt job at", None, "crm"),
        ("where are we with 4410 Elm", None, "crm"),
        ("check the site photos for the Hill job", None, "crm"),
    ],
    # Asking whether the knowledge base has anything on a topic; a docs search is never a CRM lookup.
    "kb_search": [
        ("is there anything in the playbook about trust objections", None, "knowledge"),
        ("search the docs for ladder rules and move the Hill job to inspection", None, "triage"),
        ("check the materials on the Hill job", None, "crm"),
    ],
    # A relative or neighbour added as a new contact ("add Walt's wife Linda as a contact").
    "relative_as_contact": [
        ("add her husband Jerry as a contact too, 555-201-7788", None, "new_clients"),
        ("put the neighbor's son in as a lead, Tyler Moss", None, "new_clients"),
        ("add the homeowner's daughter as a second contact, Mia 555-230-1111", None, "new_clients"),
        ("add a note to the Jenkins job that her husband is the decision maker", None, "crm"),
    ],
    # A section of a call script ("my cold call opener", "phone pitch") is a script.
    "script_parts": [
        ("punch up my door knock opener", None, "scripting"),
        ("give me a better phone pitch for solar leads", None, "scripting"),
        ("draft a better voicemail opener", None, "scripting"),
        ("what's a good cold call opener?", None, D),
        ("what should my door knock opener say", None, D),
        ("how steep is the pitch on the Hill roof", None, "crm"),
    ],
    # Continuing later with nothing in progress: "circle back on this tomorrow", "circle back on the X job".
    "continue_later": [
        ("circle back on it after lunch", None, "triage"),
        ("ok go ahead tomorrow", None, "triage"),
        ("circle back on the Hill job tomorrow", None, "triage"),
        ("circle back on it tomorrow", "crm", "crm"),
    ],
    # Step 1: "address is ..." / "zip is ..." is a detail for the work even when the street type is abbreviated
    # (Trl, Cv, Pt); "lead sources" (plural) is company knowledge.
    "step1_field_values": [
        ("zip is 80401", "new_clients", "new_clients"),
        ("street is 45 Arrowhead Cv, Golden", "new_clients", "new_clients"),
        ("the address is 88 Old Mill Pt", "new_clients", "new_clients"),
        ("which lead sources do we use?", "new_clients", D),
        ("what's the address on the Hill job", "new_clients", "crm"),
        ("is her lead source referral or website?", "new_clients", "new_clients"),
        ("new lead: Ira Katz 303-555-0199", "scripting", "new_clients"),
    ],    # --- batch 5 ---
    # A customer's question passed on by the rep ("the Okafors asked if we ...") or a policy question beside a name
    # ("before I call the Ruiz lead, what's our ...") is about our products and policies; it went to crm because a
    # customer was named. Their own record ("asked when their install is") is still crm.
    "passed_on_policy_question": [
        ("Mrs. Alvarez asked me whether we price cash and financing the same", None, D),
        ("the Garzas asked whether our gutter guards come in bronze", None, D),
        ("Kim Tran is asking whether we do solar batteries?", None, D),
        ("the Dales said the other guy offered 0%, do we have a same-as-cash plan?", None, D),
        ("after I see the Ortegas tonight, what's our minimum for gutters?", None, D),
        ("Mr. Boyd asked about our warranty on skylights, how long is it?", None, D),
        ("the Hills asked when their install is", None, "crm"),
        ("Mr. Vance wants to know who his consultant is", None, "crm"),
        ("the Pruitts asked if we got their deposit", None, "crm"),
        ("Mrs. Hill asked if we could change her appointment to friday", None, "crm"),
        ("the Hills, what's our price on their roof?", None, "crm"),
        ("what did we quote the Hills?", None, "crm"),
    ],
    # Who may do something is process ("who's allowed to reopen a lost job"), not a request to do it.
    "permission_questions": [
        ("who's allowed to move a job to Production?", None, D),
        ("am I allowed to reopen a lost deal myself?", None, D),
        ("reopen the Hill job", None, "crm"),
    ],
    # Where a customer found us ("on Facebook", "on Nextdoor") was read as a customer's name.
    "platform_names": [
        ("a homeowner found us on Nextdoor, which lead source is that?", None, D),
        ("customer saw us on Instagram, what lead source do I put", None, D),
        ("new lead from Facebook: Ana Ruiz 214-555-0177", None, "new_clients"),
    ],
    # Coaching phrased as "the best response to ..." or about reps in general ("how should reps handle ...") went to
    # analysis; a named rep's calls still do.
    "advice_phrasing": [
        ("what's the best comeback to 'I need to think about it'?", None, D),
        ("best reply for 'your price is too high'", None, D),
        ("how should our reps respond when the homeowner wants to wait for insurance?", None, D),
        ("how should reps handle financing objections?", "analysis", D),
        ("how does Luis handle price objections on his calls?", None, "analysis"),
        ("how does Priya handle spouse objections?", None, "analysis"),
        ("what objections come up most on roofing calls?", None, "analysis"),
    ],
    # A measure before a noun ("the 15-minute lead rule", "the 48-hour estimate section") read as a customer's name.
    "measure_words_as_names": [
        ("what's the 30-day estimate rule?", None, D),
        ("quote the 48-hour estimate section", None, "knowledge"),
        ("is the 10-year workmanship warranty on the Essential roof?", None, D),
        ("what stage is the 2200 Elm job in", None, "crm"),
    ],
    # Veteran shorthand: the day before the list ("monday inspections?"), a change said after the noun ("appt moved
    # to"), a labelled note after a surname ("Kessler - update: ..."), "put that on the X job".
    "crm_noun_first": [
        ("monday inspections?", None, "crm"),
        ("thursday's installs", None, "crm"),
        ("Vega inspection got pushed to friday 10am", None, "crm"),
        ("the Ito install was moved to the 3rd", None, "crm"),
        ("Kessler - update: wife approved, sending contract", None, "crm"),
        ("he prefers calls over texts, put that on the Kim job", None, "crm"),
        ("fyi - note: office closed monday", None, D),
        ("if an appointment gets cancelled, what stage does it go to", None, D),
        ("what happens when an install is pushed back a week", None, D),
    ],
    "small_talk_still": [
        ("you still around?", None, D),
    ],
    # Outside information: reviews named before the company, "doing price-wise", weather next to "we" (our install).
    "outside_info_phrasing": [
        ("what do the reviews say about Front Range Roofing?", None, "web_search"),
        ("ratings on Apex Exteriors vs us?", None, "web_search"),
        ("what are shingles doing price-wise?", None, "web_search"),
        ("how's aluminum looking cost-wise this month", None, "web_search"),
        ("is rain in the forecast for Frisco friday? we have an install", None, "web_search"),
        ("what's the temperature going to be tomorrow, we're tearing off in Golden", None, "web_search"),
        ("how are our reviews?", None, D),
        ("does our warranty cover wind damage?", None, D),
    ],
    # A new customer after a clause break ("hold on, new lead came in: ...") or with a create verb ("can you enter
    # him?") was taken as a detail for the work in progress, or as a CRM lookup.
    "new_record_after_a_break": [
        ("ok hang on, new customer: Bo Diaz 720-555-0133", "scripting", "new_clients"),
        ("hold on - new lead just came in, Kate Yu 214-555-0190", "crm", "new_clients"),
        ("new lead just came in: Kate Yu 214-555-0190", None, "new_clients"),
        ("Sam Ortiz 303-555-0147 from the home show, can you enter him?", None, "new_clients"),
        ("thanks, new customer questions go to the office right?", None, D),
        ("add 303-555-0147 as a second number on the Hill job", None, "crm"),
    ],
    # Step 1: "also add that ..." edits the work; a preference for texts over calls is not the transcripts; "any
    # sources for that?" asks about the result.
    "step1_followups_batch5": [
        ("and add that she prefers mornings", "crm", "crm"),
        ("also add that the gate code is 4412", "crm", "crm"),
        ("add a note that she'd rather get texts than calls", None, "crm"),
        ("also what objections come up on solar calls?", "crm", "analysis"),
        ("where's the source on that?", "web_search", "web_search"),
        ("any citation for this?", "analysis", "analysis"),
        ("which doc covers warranty transfers?", "web_search", "knowledge"),
    ],
    # A question mark followed by a sign-off ("...? thanks") hid a general question.
    "question_then_signoff": [
        ("if a customer's claim gets denied, can we still move the job to Lost? thanks", None, D),
        ("can you move the Hill job to Lost? thanks", None, "crm"),
    ],
    # A timed opener ("a 20 second opener") is a piece of a script; what one should say is still a question.
    "timed_opener": [
        ("need a 30 second opener for solar door knocks", None, "scripting"),
        ("what's a good 30 second opener?", None, D),
        ("need to know what a voicemail should say", None, D),
    ],
    # --- batch 6 ---
    # A capitalized product name written with hyphens ("Same-as-cash", "Tear-Off") was read as a customer's name.
    "hyphenated_product_names": [
        ("what's the APR on Same-as-cash?", None, D),
        ("is Same-as-cash 12 available on solar?", None, D),
        ("does the Tear-Off price include disposal?", None, D),
        ("what's the status of the Jean-Paul roof?", None, "crm"),
    ],
    # How soon or when we treat new leads, or send primer videos, is process: "how fast should I call a new lead"
    # read as creating one, "when do we send the primer video" as a request for one.
    "timing_questions_about_process": [
        ("how soon should a new customer get the primer video?", None, D),
        ("when do I call a new lead for the first time?", None, D),
        ("how often do we record primer videos?", None, D),
        ("when do we send the primer video?", "new_clients", D),
        ("how soon can you add a new lead? Jo Park 555-201-4432", None, "new_clients"),
        ("new lead came in, call her back asap: Jo Park 555-201-4432", None, "new_clients"),
        ("do we have a primer for the Kims?", None, "scripting"),
    ],
    # A note, comment or reminder added to "the new lead X" is for a record already in the CRM, not a new customer.
    "items_added_to_a_record": [
        ("add a note to the new customer Ben Cho: prefers email", None, "crm"),
        ("put a reminder on the new lead Dana Fox to call friday", None, "crm"),
        ("add a comment to the Hill job: gate code 4412", None, "crm"),
        ("add her as a new lead, 555-201-7788", None, "new_clients"),
        ("add Tom Reyes to the crm as a new customer", None, "new_clients"),
        ("leave a comment on their facebook post", None, D),
    ],
    # Small talk: "that did the trick", a greeting followed by "how's your day going?".
    "small_talk_batch6": [
        ("thanks, that did the trick", None, D),
        ("good morning! how's your day going?", None, D),
        ("hey there, how are things?", None, D),
        ("how's the Hill job going?", None, "crm"),
        ("that did it, thanks", "scripting", "scripting"),
    ],
    # Several records moved to one stage: the records pushed the stage beyond the verb's reach.
    "several_records_one_move": [
        ("push the Lees, the Parks and the Hills to Production", None, "crm"),
        ("bump the Lees and the Parks into Estimate Sent", None, "crm"),
        ("move the Hill job to Lost and search for hail in Plano", None, "triage"),
        ("how do I move a job and its notes to Lost?", None, D),
    ],
    # How one call went is a call summary (transcripts), not a CRM lookup of the named customer.
    "how_a_call_went": [
        ("how did my call with the Vances go?", None, "analysis"),
        ("how did Priya's call with the Ortegas go yesterday?", None, "analysis"),
        ("how was my call with the Vances yesterday? give me the gist", None, "analysis"),
        ("how did the Kim inspection go?", None, "crm"),
        ("log a call with the Hills, no answer", None, "crm"),
    ],
    # What one of our techniques or objection types is: the playbook's (direct), not patterns across calls.
    "technique_definitions": [
        ("what does the isolate objection technique mean?", None, D),
        ("what is the trust objection", None, D),
        ("what are the objection types?", None, D),
        ("what is feel felt found?", "crm", D),
        ("what's the trial close technique?", "analysis", D),
        ("what's the most common objection?", None, "analysis"),
        ("does feel felt found work on our calls?", None, "analysis"),
        ("which technique was that?", "analysis", "analysis"),
    ],
    # A question about which document (or section) says something went to the topic's specialist (objections:
    # analysis; tax credits: web_search) or to the direct flow.
    "document_questions": [
        ("what doc lists the objection types?", None, "knowledge"),
        ("what does the financing doc say about tax credits? quote it", None, "knowledge"),
        ("which section of the playbook talks about spouse objections?", None, "knowledge"),
        ("what part of the financing doc covers deferred interest?", None, "knowledge"),
        ("what tax credits are there for solar batteries?", None, "web_search"),
        ("search the web for solar rebates", None, "web_search"),
        ("which objections come up on calls that the playbook doesn't cover?", None, "analysis"),
    ],
    # "Same as last week for the X" repeats unstated work: a vague ask (triage), like "same as last time".
    "repeat_of_unstated_work": [
        ("same as last week for the Hills please", None, "triage"),
        ("same as yesterday with the Kims", None, "triage"),
        ("do the same as monday for the Ortegas", None, "triage"),
        ("is Preferred the same as last year?", None, D),
        ("are permits the same as last year in Frisco?", None, "web_search"),
    ],
    # A script written "from them" / "out of it" uses what the lookup finds: one request, not two.
    "dependent_part_from_them": [
        ("pull up the Kim notes and write a follow-up script from them", None, "scripting"),
        ("look up the Hill job and write a primer video out of it", None, "scripting"),
        ("move the Hill job to Lost and write a win-back script from it", None, "triage"),
        ("look up the Kim job and find hail reports from that week", None, "triage"),
    ],
    # Step 1: a norm about stages or estimates ("when should an estimate go to Lost?") is company knowledge.
    "step1_norm_questions": [
        ("when should an estimate go to Lost?", "crm", D),
        ("when do estimates expire?", "scripting", D),
        ("how long is a lead supposed to stay in Estimate Sent?", "analysis", D),
        ("is that estimate still valid?", "crm", "crm"),
        ("when should we call her?", "new_clients", "new_clients"),
        ("should she be in Lost?", "crm", "crm"),
    ],
    # --- batch 7 ---
    # A surname opening the message without "the" was not read as a name (every first word is capitalized): it needs a
    # separator and a record question after it, or a verb a customer does; roles and discourse words never count.
    "surname_opening_the_message": [
        ("Okafor - any update?", None, "crm"),
        ("Whitman, where do we stand?", None, "crm"),
        ("Brennan still waiting on the adjuster?", None, "crm"),
        ("Ngata still hasn't paid the deposit", None, "crm"),
        ("Hill wants to know when the crew comes", None, "crm"),
        ("Ruiz -> Lost", None, "crm"),
        ("Update - what's our warranty on gutters?", None, D),
        ("Actually, what's the deposit on a cash job?", None, D),
        ("Question - what's the APR on Fixed 120?", None, D),
        ("Stucco - do we do it?", None, D),
        ("Kessler", None, "triage"),
    ],
    # A capitalized ordinary word that is also a surname ("the Price job", "Cash's deposit") or a place naming where
    # the job is ("the Frisco install") was dropped as vocabulary; products, stages and days stay vocabulary.
    "names_that_are_words_or_places": [
        ("is the Street estimate signed?", None, "crm"),
        ("what's the House job at?", None, "crm"),
        ("Price's appointment is when?", None, "crm"),
        ("is the Frisco install still on for Monday?", None, "crm"),
        ("what's the price on the Signature package?", None, D),
        ("how much is the Metal roof?", None, D),
        ("what do Preferred roofs cost?", None, D),
        ("what's the Denver permit fee?", None, "web_search"),
    ],
    # A job number ("job 7720", "#2291", "K-2210") or a house number and street opening the message with its suffix
    # dropped was not a record reference.
    "job_numbers_and_bare_addresses": [
        ("what's the total on job 7720?", None, "crm"),
        ("pull up #2291", None, "crm"),
        ("K-2210 - is the permit in?", None, "crm"),
        ("3100 copper canyon - did they sign?", None, "crm"),
        ("what's the #1 objection on our calls?", None, "analysis"),
        ("250 off for repeat customers, right?", None, D),
        ("1200 square feet roof, how many squares is that?", None, D),
    ],
    # A transcript's call id (BWC-<yy>-<nnn>, transcripts/SCHEMA.md) was looked up as a CRM record.
    "call_ids": [
        ("what's the summary of BWC-25-007?", None, "analysis"),
        ("pull up BWC-25-011", None, "analysis"),
        ("pull up job 2511", None, "crm"),
    ],
    # Step 1: a question about a named customer that step 4 routes to crm only by its fallback ("what's the Okafor job
    # at?") stayed with the workflow; one that refers to the work ("that", "her") still stays.
    "step1_named_customer_question": [
        ("what's the Okafor job at these days?", "scripting", "crm"),
        ("what's her stage at?", "scripting", "scripting"),
        ("should I mention that to the Parks?", "web_search", "web_search"),
    ],
    # Step 1: "one" / "the city" refer back to the research in progress, a lost reason is a field value, and "I mean
    # the X job" answers the agent's question; they were taken as self-contained questions or new requests.
    "step1_follow_ups_and_answers": [
        ("does the city want one for siding too?", "web_search", "web_search"),
        ("reason: went with a cheaper bid", "crm", "crm"),
        ("I mean the Okafor estimate, it's been sitting a while", "triage", "triage"),
        ("what does the city require for gutters?", "crm", "web_search"),
        ("do we need a permit for gutters?", "scripting", D),
        ("I mean, what stage is the Brandt job in?", "scripting", "crm"),
    ],
    # "new lead ..." after "also" / "and also" was read as a detail for the work in progress, not a new customer.
    "new_customer_after_also": [
        ("and also new lead Jo Park 303-555-0142 wants siding", "scripting", "new_clients"),
        ("also new customers get the primer within 2 hours right?", "new_clients", D),
        ("also new leads should be called within 15 min?", None, D),
    ],
    # What other companies quote or bid was missed (only "charge", "price", "cost" counted); a named customer's
    # competing bid is on their record, and "a competitor quote" is an objection.
    "competitors_quoting": [
        ("what are other contractors bidding on gutters in Frisco?", None, "web_search"),
        ("what are competitors quoting for metal?", None, "web_search"),
        ("what did the competitor quote the Hills?", None, "crm"),
        ("how do I handle a competitor quote?", None, D),
        ("how should I respond when competitors are quoting way less?", None, D),
        ("which doc covers competitor quotes?", None, "knowledge"),
        ("what competitor quotes come up on our calls?", None, "analysis"),
    ],
    # Whether a rep (or I) is booked or free on a day is their calendar.
    "rep_availability": [
        ("is Dana free Thursday?", None, "crm"),
        ("am I booked Friday afternoon?", None, "crm"),
        ("is the office open Saturday?", None, D),
        ("what are office hours on Saturday?", None, D),
    ],
    # Where every new customer starts is process, not a list of records in that stage.
    "where_new_records_start": [
        ("do new leads start in Lead?", None, D),
        ("new customers start in Lead, right?", None, D),
        ("new customer starts tomorrow, Tim Ng 303-555-0100", None, "new_clients"),
        ("how many new leads are in Lead?", None, "crm"),
    ],
    # What a customer said during an in-home appointment is transcript content, and "push back on" is an objection,
    # not a reschedule; what to bring up next time is coaching.
    "said_during_an_appointment": [
        ("what did the Vances object to during the appointment?", None, "analysis"),
        ("did Mr. Tran bring up financing at his consultation?", None, "analysis"),
        ("what should I bring up during the appointment?", None, D),
        ("push back the Kim appointment to friday", None, "crm"),
    ],
    # How a rep won or closed someone is what happened on the call; whether they closed it is the record.
    "how_a_rep_won": [
        ("how did Luis win the Farouk job?", None, "analysis"),
        ("how did Ben close so many in March?", None, "analysis"),
        ("did Luis close the Farouk job?", None, "crm"),
        ("how do I close like Priya?", None, D),
    ],
    # With nothing in progress, a bare pronoun or "what did he say" continues an earlier thread (triage); a record
    # question about "her" is still the CRM's. In a workflow they answer the agent.
    "unnamed_person_without_a_workflow": [
        ("his email?", None, "triage"),
        ("what did they want?", None, "triage"),
        ("has he paid the deposit?", None, "crm"),
        ("when's her install?", None, "crm"),
        ("what should I tell her about the warranty?", None, D),
        ("what did she say about financing on the call?", None, "analysis"),
        ("what did she say?", "analysis", "analysis"),
        ("her", "new_clients", "new_clients"),
    ],
    # "<name> is a mess" names a matter with no action (triage), even when a field word ("a total mess") is in it.
    "named_mess": [
        ("Okafor is a total mess, help", None, "triage"),
        ("the Brandt job is turning into a nightmare", None, "triage"),
        ("the Brandt job is a mess, move it to Lost", None, "crm"),
    ],
}


@pytest.mark.parametrize(
    ("cause", "text", "active", "expected"),
    [(cause, *case) for cause, cases in ROOT_CAUSES.items() for case in cases],
    ids=[f"{cause}:{a or '-'}:{t[:50]}" for cause, cases in ROOT_CAUSES.items() for t, a, _ in cases],
)
def test_root_cause(cause, text, active, expected):
    assert label(route(text, active)) == expected


def test_route_stays_fast_on_realistic_messages():
    texts = [(r["text"], r["active_workflow"]) for r in load_unseen()]
    start = time.perf_counter()
    for text, active in texts:
        route(text, active)
    mean = (time.perf_counter() - start) / len(texts)
    assert mean < 0.003, f"{mean * 1e6:.0f} us per call"  # ~0.2 ms measured; generous for loaded CI machines


def test_small_talk_is_marked_so_the_direct_flow_looks_nothing_up():
    assert route("good morning").small_talk and route("thanks, that helps").small_talk
    assert not route("what is our warranty on a full tear-off?").small_talk
    assert not route("thanks!", "scripting").small_talk  # in a workflow it answers the agent
