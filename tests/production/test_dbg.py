from tests.production.test_privacy import *
async def test_dbg(telegram, db, demo):
    t = telegram
    await answer_some_of_the_demo(t)
    for m in t.fake.transcript(CHAT): print(m["from"], repr(m["text"])[:150], [b["text"] for r in m["buttons"] for b in r])
