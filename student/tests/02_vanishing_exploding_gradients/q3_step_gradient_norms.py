OK_FORMAT = True

test = {   'name': 'q3_step_gradient_norms',
    'points': 2,
    'suites': [   {   'cases': [   {   'code': ">>> _x = np.ones((1, 5, 1), dtype='float32')\n"
                                               '>>> assert step_gradient_norms(tiny_rnn(0.5), _x).shape == (5,)\n'
                                               '>>> np.testing.assert_allclose(step_gradient_norms(tiny_rnn(0.5), _x), 0.5 ** np.arange(4, -1, -1), rtol=1e-05)\n',
                                       'hidden': False,
                                       'locked': False}],
                      'scored': True,
                      'setup': '',
                      'teardown': '',
                      'type': 'doctest'}]}
