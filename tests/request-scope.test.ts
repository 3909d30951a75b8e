import { expect, it } from "vitest";
import { memoInRequest, runInRequestScope } from "~/lib/request-scope.server";

it("shares an answer within one request scope, and nothing outside one", async () => {
  let calls = 0;
  const lookup = () => memoInRequest("who", async () => ++calls);
  await runInRequestScope(async () => {
    expect(await Promise.all([lookup(), lookup(), lookup()])).toEqual([1, 1, 1]);
  });
  await runInRequestScope(async () => expect(await lookup()).toBe(2));
  expect(await lookup()).toBe(3);
  expect(await lookup()).toBe(4);
});

it("does not share a failure: the next caller tries again", async () => {
  let calls = 0;
  const flaky = () =>
    memoInRequest("flaky", async () => {
      calls += 1;
      if (calls === 1) throw new Error("first try fails");
      return calls;
    });
  await runInRequestScope(async () => {
    await expect(flaky()).rejects.toThrow("first try fails");
    expect(await flaky()).toBe(2);
    expect(await flaky()).toBe(2);
  });
});
