OK_FORMAT = True

test = {   'name': 'q3_stuck_forget_gate',
    'points': 2,
    'suites': [   {   'cases': [{'code': '>>> assert np.allclose(cell_states(1.0, np.zeros(3), 0.5), [0.5, 0.25, 0.125])\n', 'hidden': False, 'locked': False}],
                      'scored': True,
                      'setup': '',
                      'teardown': '',
                      'type': 'doctest'}]}
