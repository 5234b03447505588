OK_FORMAT = True

test = {   'name': 'q3_perplexity',
    'points': 1,
    'suites': [   {   'cases': [   {'code': ">>> from utils.exercise import check_not_calling\n>>> check_not_calling(loss_report, 'nats_to_bits', 'perplexity')\n", 'hidden': False, 'locked': False},
                                   {   'code': '>>> _got = loss_report([0.5, 0.25])\n'
                                               '>>> _want = (1.5 * np.log(2), 1.5, 2 ** 1.5)\n'
                                               ">>> assert len(_got) == 3 and np.allclose(_got, _want), f'p_true = [0.5, 0.25]: expected (nats, bits, perplexity) = {np.round(_want, 4)}, got "
                                               "{np.round(_got, 4)}'\n",
                                       'hidden': False,
                                       'locked': False}],
                      'scored': True,
                      'setup': '',
                      'teardown': '',
                      'type': 'doctest'}]}
