import { describe, expect, it } from 'vitest';
import { countRoundTrips, parseCommandStats, parseCpuSeconds, scriptCalls, sumCommandStats } from '../../bench/redisStats.js';

describe('the scale-out bench reads Redis’s own counts', () => {
  it('parses INFO commandstats, adds nodes and leaves the bench’s own commands out', () => {
    const a = parseCommandStats(
      [
        '# Commandstats',
        'cmdstat_evalsha:calls=12,usec=300,usec_per_call=25.00,rejected_calls=0,failed_calls=0',
        'cmdstat_hset:calls=30,usec=40,usec_per_call=1.33,rejected_calls=0,failed_calls=0',
        'cmdstat_info:calls=2,usec=90,usec_per_call=45.00,rejected_calls=0,failed_calls=0',
        'cmdstat_config|resetstat:calls=1,usec=5,usec_per_call=5.00,rejected_calls=0,failed_calls=0',
      ].join('\r\n'),
    );
    const b = parseCommandStats('cmdstat_evalsha:calls=3,usec=1,usec_per_call=0.3,rejected_calls=0,failed_calls=0\r\n');
    const total = sumCommandStats([a, b]);
    expect(Object.fromEntries(total)).toEqual({ evalsha: 15, hset: 30 });
    expect(scriptCalls(total)).toBe(15);
  });

  it('parses INFO cpu as user + system seconds', () => {
    expect(parseCpuSeconds('# CPU\r\nused_cpu_sys:1.500000\r\nused_cpu_user:2.250000\r\nused_cpu_sys_children:9.0\r\n')).toBeCloseTo(3.75);
    expect(() => parseCpuSeconds('# CPU\r\n')).toThrow(/used_cpu_user/);
  });

  it('counts MONITOR round trips: script-internal commands and MULTI bodies are not trips of their own', () => {
    const lines = [
      'OK',
      '1700000000.000001 [0 127.0.0.1:5001] "evalsha" "abc" "1" "{t}:task"',
      '1700000000.000002 [0 lua] "hset" "{t}:task" "status" "working"',
      '1700000000.000003 [0 lua] "publish" "events" "t x"',
      '1700000000.000004 [0 127.0.0.1:5002] "multi"',
      '1700000000.000005 [0 127.0.0.1:5002] "rpush" "{t}:queue" "m"',
      '1700000000.000006 [0 127.0.0.1:5001] "hgetall" "{t}:task"',
      '1700000000.000007 [0 127.0.0.1:5002] "publish" "events" "q x"',
      '1700000000.000008 [0 127.0.0.1:5002] "exec"',
      '1700000000.000009 [0 127.0.0.1:5003] "info" "commandstats"',
    ];
    // evalsha, the MULTI…EXEC, hgetall.
    expect(countRoundTrips(lines)).toBe(3);
  });
});
